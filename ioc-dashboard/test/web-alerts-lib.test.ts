// The alerting pages' plain modules (no browser needed): the wall's alert board, the rule and subscriber forms'
// conversions to the API's bodies (checked against the API's own schemas and rule checks), and Huế time in forms.
import { describe, expect, it } from 'vitest';
import { Check } from 'typebox/value';
import { AlertRulePatch, NewAlertRule, NewSubscriber, type AlertRule } from '@ioc/alerting';
import { ruleRefusal } from '../../alerting/src/rules/rule-check.ts';
import type { Alert } from '@ioc/core';
import { AlertBoard } from '../web/src/lib/alert-board.ts';
import { fromHueInput, toHueInput } from '../web/src/lib/hue-time.ts';
import { draftOf, emptyDraft, newRuleOf, patchOf } from '../web/src/lib/rule-draft.ts';
import { emptySubscriberDraft, newSubscriberOf, subscriberPatchOf } from '../web/src/lib/subscriber-draft.ts';

const alert = (id: string, fields: Partial<Alert>): Alert => ({
  id,
  ruleId: 'r1',
  fingerprint: `r1:device:${id}`,
  deviceId: id,
  areaId: null,
  kind: 'air',
  metric: 'pm25',
  value: 70,
  unit: 'µg/m³',
  severity: 'major',
  state: 'firing',
  titleVi: id,
  titleEn: id,
  textVi: '',
  textEn: '',
  startsAt: 1_000,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  assignee: null,
  updatedAt: 1_000,
  ...fields,
});

describe('the wall\'s alert board', () => {
  it('lists the open alerts most severe first, then newest, and counts the unacknowledged per severity', () => {
    const board = new AlertBoard();
    board.load([
      alert('minor-old', { severity: 'minor', startsAt: 1 }),
      alert('major-old', { startsAt: 1 }),
      alert('major-new', { startsAt: 5 }),
      alert('critical-acked', { severity: 'critical', state: 'acknowledged', startsAt: 0 }),
    ]);
    expect(board.list().map((a) => a.id)).toEqual(['critical-acked', 'major-new', 'major-old', 'minor-old']);
    expect(board.unacknowledged()).toEqual({ critical: 0, major: 2, minor: 1, warning: 0, info: 0 });
  });

  it('applies changes, drops resolved alerts and ignores a state older than the one shown', () => {
    const board = new AlertBoard();
    board.load([alert('a', {})]);
    board.apply(alert('a', { state: 'acknowledged', updatedAt: 2_000 }));
    board.apply(alert('a', { state: 'firing', updatedAt: 1_500 }));
    expect(board.list().map((a) => a.state)).toEqual(['acknowledged']);
    expect(board.unacknowledged().major).toBe(0);
    board.apply(alert('b', { severity: 'info' }));
    board.apply(alert('a', { state: 'resolved', updatedAt: 3_000 }));
    expect(board.list().map((a) => a.id)).toEqual(['b']);
  });
});

describe('the rule form', () => {
  const stored = (rule: NewAlertRule): AlertRule => ({ id: 'r1', enabled: true, scope: {}, emergencyBroadcast: null, forS: 0, createdAt: 1, createdBy: 'user:a', updatedAt: 1, updatedBy: 'user:a', ...rule }) as AlertRule;

  it('makes a threshold rule the API takes, with only the fields its type uses', () => {
    const rule = newRuleOf({ ...emptyDraft(), name: ' PM2.5 cao ', level: 50, clearLevel: 40, forS: 300, deviceIds: 'air-1, air-2', kinds: ['air'], labels: ['episode'] });
    expect(rule).toEqual({
      name: 'PM2.5 cao',
      type: 'threshold',
      severity: 'major',
      enabled: true,
      metric: 'pm25',
      above: 50,
      clearBelow: 40,
      forS: 300,
      scope: { deviceIds: ['air-1', 'air-2'], kinds: ['air'] },
      notify: {},
      emergencyBroadcast: null,
    });
    expect(Check(NewAlertRule, rule)).toBe(true);
    expect(ruleRefusal(rule)).toBeUndefined();
  });

  it('makes area, offline and anomaly rules the API takes', () => {
    const area = newRuleOf({ ...emptyDraft(), name: 'a', type: 'area', level: 100, minDevices: 3, areaIds: ['19753'] });
    const offline = newRuleOf({ ...emptyDraft(), name: 'o', type: 'offline', level: 5, forS: 600 });
    const anomaly = newRuleOf({ ...emptyDraft(), name: 'n', type: 'anomaly', metric: '', labels: ['episode'], categories: ['event'], broadcast: true });
    expect(area).toMatchObject({ type: 'area', above: 100, minDevices: 3, scope: { areaIds: ['19753'] } });
    expect(offline).not.toHaveProperty('metric');
    expect(offline).not.toHaveProperty('above');
    expect(anomaly).toMatchObject({ labels: ['episode'], categories: ['event'], emergencyBroadcast: { automatic: false } });
    expect(anomaly).not.toHaveProperty('metric');
    for (const rule of [area, offline, anomaly]) {
      expect(Check(NewAlertRule, rule)).toBe(true);
      expect(ruleRefusal(rule)).toBeUndefined();
    }
  });

  it('edits a rule: what the new type or direction does not use is removed (null), the rest kept', () => {
    const rule = stored({ name: 'x', type: 'threshold', severity: 'major', metric: 'pm25', above: 50, clearBelow: 40, notify: { groupBy: ['areaId'], groupWaitS: 30 } });
    const draft = draftOf(rule);
    expect(draft).toMatchObject({ direction: 'above', level: 50, clearLevel: 40, groupWaitS: 30, groupBy: ['areaId'], escalationPolicyId: '' });
    expect(patchOf({ ...draft, groupBy: [], escalationPolicyId: 'p1' }, rule).notify).toEqual({ groupWaitS: 30, escalationPolicyId: 'p1' });

    const below = patchOf({ ...draft, direction: 'below', level: 5, clearLevel: null }, rule);
    expect(below).toMatchObject({ below: 5, above: null, clearBelow: null, notify: { groupBy: ['areaId'], groupWaitS: 30 } });
    expect(below).not.toHaveProperty('clearAbove');
    expect(Check(AlertRulePatch, below)).toBe(true);

    const offline = patchOf({ ...draft, type: 'offline' }, rule);
    expect(offline).toMatchObject({ type: 'offline', metric: null, above: null, clearBelow: null });
    expect(Check(AlertRulePatch, offline)).toBe(true);
  });
});

describe('the subscriber form', () => {
  it('leaves out what is not given when adding, and clears it (null) when editing', () => {
    const draft = { ...emptySubscriberDraft(), name: 'Trực ban', phone: '+84901234567', channels: ['sms', 'zns'] as const, quietFrom: '22:00', quietTo: '06:00' };
    const created = newSubscriberOf({ ...draft, channels: [...draft.channels] });
    expect(created).toEqual({ name: 'Trực ban', phone: '+84901234567', channels: ['sms', 'zns'], minSeverity: 'major', language: 'vi', quietHours: { from: '22:00', to: '06:00' } });
    expect(Check(NewSubscriber, created)).toBe(true);
    expect(subscriberPatchOf({ ...draft, channels: ['sms'], quietFrom: '', quietTo: '' })).toMatchObject({ zaloUserId: null, webhookUrl: null, areaIds: null, kinds: null, quietHours: null });
  });
});

describe('times in forms', () => {
  it('reads and writes a datetime-local value as Huế time (UTC+7), whatever the browser\'s zone', () => {
    const ms = Date.UTC(2026, 11, 8, 2, 30);
    expect(toHueInput(ms)).toBe('2026-12-08T09:30');
    expect(fromHueInput('2026-12-08T09:30')).toBe(ms);
    expect(fromHueInput('not a time')).toBeNaN();
  });
});
