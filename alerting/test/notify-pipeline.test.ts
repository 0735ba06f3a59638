// The notification pipeline with an injected clock, in the style of Alertmanager's acceptance tests: alerts change at
// set times and notifications are expected in time windows (grouping, repeats, resolution), with quiet hours,
// silences, maintenance windows, inhibition and escalation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents, type Db } from '@ioc/core';
import type { AlertRow } from '../src/alert-row.ts';
import type { GroupingDefaults } from '../src/notify/config.ts';
import { assignGroups, flushDueGroups } from '../src/notify/dispatcher.ts';
import { escalateDue } from '../src/notify/escalation.ts';
import { createEscalationPolicy } from '../src/notify/escalation-policies.ts';
import { createMaintenanceWindow, endMaintenanceWindow } from '../src/notify/maintenance-windows.ts';
import { quietUntil } from '../src/notify/quiet-hours.ts';
import { createSilence, endSilence } from '../src/notify/silences.ts';
import { createSubscriber, type NewSubscriber, type Subscriber } from '../src/notify/subscribers.ts';
import { addRule, makeAlert, openNotifyDb, T0, transition } from './notify-fixtures.ts';

const S = 1000;
const MIN = 60 * S;
const DEFAULTS: GroupingDefaults = { groupBy: ['areaId'], groupWaitS: 30, groupIntervalS: 300, repeatIntervalS: 3600 };

interface Sent {
  kind: string;
  subscriber: string;
  alerts: string[];
  channel: string;
  at: number;
  nextAttemptAt: number;
  error: string | null;
}

describe('the notification pipeline (injected clock)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openNotifyDb();
  });
  afterAll(() => db.close());

  /** Runs the dispatcher's stages at `now`, as the notifier's tick does. */
  async function tick(now: number): Promise<void> {
    while ((await assignGroups(db, DEFAULTS)) > 0);
    await flushDueGroups(db, now);
    await escalateDue(db, now);
  }
  /** Ticks every second from `from` to `to`, as the notifier would. */
  async function run(from: number, to: number, step = S): Promise<void> {
    for (let t = from; t <= to; t += step) await tick(t);
  }
  async function sentTo(subscriber: Subscriber): Promise<Sent[]> {
    const { rows } = await db.query<{ kind: string; subscriber_id: string; alert_ids: string[]; channel: string; created_at: Date; next_attempt_at: Date; error: string | null }>(
      'SELECT kind, subscriber_id, alert_ids, channel, created_at, next_attempt_at, error FROM notification_outbox WHERE subscriber_id = $1 ORDER BY created_at, id',
      [subscriber.id],
    );
    return rows.map((r) => ({ kind: r.kind, subscriber: r.subscriber_id, alerts: [...r.alert_ids].sort(), channel: r.channel, at: r.created_at.getTime() - T0, nextAttemptAt: r.next_attempt_at.getTime(), error: r.error }));
  }
  const subscriber = (area: string, fields: Partial<NewSubscriber> = {}) =>
    createSubscriber(db, { name: `Trực ban ${area}`, phone: '+84901234567', channels: ['sms'], areaIds: [area], minSeverity: 'warning', language: 'vi', ...fields }, T0);
  const fire = (fields: Partial<AlertRow> & Pick<AlertRow, 'ruleId'>, at: number) => transition(db, makeAlert(fields, at), 'firing', at);
  const outcomes = async (alert: AlertRow) =>
    (await db.query<{ event: string; outcome: string | null }>('SELECT event, outcome FROM notification_events WHERE alert_id = $1 ORDER BY id', [alert.id])).rows.map((r) => `${r.event}: ${r.outcome}`);

  it('groups by area: waits group_wait, sends changes each group_interval, resolved to those told, repeats unacknowledged alerts', async () => {
    await addRule(db, 'r-group');
    const s = await subscriber('area-g');
    const a = await fire({ ruleId: 'r-group', deviceId: 'air-g1', areaId: 'area-g' }, T0);
    const b = await fire({ ruleId: 'r-group', deviceId: 'air-g2', areaId: 'area-g' }, T0 + 10 * S);
    await run(T0, T0 + 25 * S, 5 * S);
    await tick(T0 + 29 * S);
    expect(await sentTo(s)).toEqual([]);
    await tick(T0 + 30 * S);
    expect((await sentTo(s)).map((x) => [x.kind, x.alerts, x.at])).toEqual([['firing', [a.id, b.id].sort(), 30 * S]]);

    // A third alert joins the group: told at the end of the group interval, alone.
    const c = await fire({ ruleId: 'r-group', deviceId: 'air-g3', areaId: 'area-g' }, T0 + 60 * S);
    await run(T0 + 60 * S, T0 + 300 * S, 30 * S);
    await tick(T0 + 329 * S);
    expect(await sentTo(s)).toHaveLength(1);
    await tick(T0 + 330 * S);
    expect((await sentTo(s)).map((x) => [x.kind, x.alerts, x.at])[1]).toEqual(['firing', [c.id], 330 * S]);

    // a resolves: the resolved message waits for the next interval.
    await transition(db, a, 'resolved', T0 + 400 * S);
    await tick(T0 + 629 * S);
    expect(await sentTo(s)).toHaveLength(2);
    await tick(T0 + 630 * S);
    expect((await sentTo(s)).map((x) => [x.kind, x.alerts, x.at])[2]).toEqual(['resolved', [a.id], 630 * S]);

    // b is acknowledged: the repeat an hour after the last firing message names only c.
    await transition(db, b, 'acknowledged', T0 + 700 * S);
    await tick(T0 + (330 + 3599) * S);
    expect(await sentTo(s)).toHaveLength(3);
    await tick(T0 + (330 + 3600) * S);
    expect((await sentTo(s)).map((x) => [x.kind, x.alerts])[3]).toEqual(['firing', [c.id]]);
    expect(await outcomes(b)).toEqual([expect.stringMatching(/^firing: notified \(/), 'acknowledged: acknowledged: no message, repeats and escalation stop']);
  });

  it("a rule's own notify overrides the defaults: grouped per device, no wait", async () => {
    await addRule(db, 'r-own', { notify: { groupBy: ['deviceId'], groupWaitS: 0 } });
    const s = await subscriber('area-own');
    const a = await fire({ ruleId: 'r-own', deviceId: 'air-o1', areaId: 'area-own' }, T0);
    const b = await fire({ ruleId: 'r-own', deviceId: 'air-o2', areaId: 'area-own' }, T0);
    await tick(T0);
    expect((await sentTo(s)).map((x) => x.alerts)).toEqual(expect.arrayContaining([[a.id], [b.id]]));
    expect(await sentTo(s)).toHaveLength(2);
  });

  it('an alert resolved within group_wait is never told, and its resolution neither', async () => {
    await addRule(db, 'r-blip');
    const s = await subscriber('area-blip');
    const a = await fire({ ruleId: 'r-blip', areaId: 'area-blip' }, T0);
    await transition(db, a, 'resolved', T0 + 5 * S);
    await run(T0, T0 + 60 * S, 5 * S);
    expect(await sentTo(s)).toEqual([]);
    expect(await outcomes(a)).toEqual(['firing: resolved before it was notified', 'resolved: resolved: never told, so no message']);
  });

  it('routes by area, kind and severity; the resolution goes only to whoever was told it fired', async () => {
    await addRule(db, 'r-route', { notify: { groupWaitS: 0, groupIntervalS: 0 } });
    const everyone = await subscriber('area-r');
    const waterOnly = await subscriber('area-r', { kinds: ['water'] });
    const criticalOnly = await subscriber('area-r', { minSeverity: 'critical' });
    const a = await fire({ ruleId: 'r-route', areaId: 'area-r', kind: 'air', severity: 'major' }, T0);
    await tick(T0);
    const late = await subscriber('area-r');
    await transition(db, a, 'resolved', T0 + MIN);
    await tick(T0 + MIN);
    expect((await sentTo(everyone)).map((x) => x.kind)).toEqual(['firing', 'resolved']);
    expect(await sentTo(waterOnly)).toEqual([]);
    expect(await sentTo(criticalOnly)).toEqual([]);
    expect(await sentTo(late)).toEqual([]);
  });

  it('quiet hours (Asia/Ho_Chi_Minh) hold a major alert until they end; a critical one goes through', async () => {
    // 23:00 in Huế is 16:00 UTC; the quiet hours end at 06:00 in Huế, 23:00 UTC.
    const night = Date.UTC(2026, 0, 15, 16, 0, 0);
    expect(quietUntil({ from: '22:00', to: '06:00' }, night)).toBe(Date.UTC(2026, 0, 15, 23, 0, 0));
    expect(quietUntil({ from: '22:00', to: '06:00' }, Date.UTC(2026, 0, 15, 23, 0, 0))).toBeNull();
    expect(quietUntil({ from: '12:00', to: '13:30' }, Date.UTC(2026, 0, 15, 5, 15, 0))).toBe(Date.UTC(2026, 0, 15, 6, 30, 0));
    expect(quietUntil({ from: '12:00', to: '13:30' }, Date.UTC(2026, 0, 15, 4, 59, 0))).toBeNull();

    await addRule(db, 'r-quiet', { notify: { groupWaitS: 0, groupBy: ['deviceId'] } });
    const s = await subscriber('area-q', { quietHours: { from: '22:00', to: '06:00' } });
    await fire({ ruleId: 'r-quiet', deviceId: 'air-q1', areaId: 'area-q', severity: 'major' }, night);
    await fire({ ruleId: 'r-quiet', deviceId: 'air-q2', areaId: 'area-q', severity: 'critical' }, night);
    await tick(night);
    const sent = await sentTo(s);
    const held = sent.find((x) => x.nextAttemptAt > night);
    const through = sent.find((x) => x.nextAttemptAt === night);
    expect(held?.nextAttemptAt).toBe(Date.UTC(2026, 0, 15, 23, 0, 0));
    expect(held?.error).toBe("held for the subscriber's quiet hours until 06:00 (Asia/Ho_Chi_Minh)");
    expect(through?.error).toBeNull();
  });

  it('a silence keeps matching alerts quiet (audited); once ended they are told at the next group interval', async () => {
    await addRule(db, 'r-silence');
    const s = await subscriber('area-s');
    const silence = await createSilence(db, { matchers: [{ name: 'deviceId', value: 'air-s.*', isRegex: true }, { name: 'ruleId', value: 'r-silence' }], startsAt: T0, endsAt: T0 + 3600 * S, comment: 'hiệu chuẩn' }, 'user:operator', T0);
    const silenced = await fire({ ruleId: 'r-silence', deviceId: 'air-s1', areaId: 'area-s' }, T0);
    const other = await fire({ ruleId: 'r-silence', deviceId: 'noise-s2', areaId: 'area-s' }, T0);
    await tick(T0 + 30 * S);
    expect((await sentTo(s)).map((x) => x.alerts)).toEqual([[other.id]]);
    expect(await outcomes(silenced)).toEqual([`firing: suppressed: silenced by ${silence.id}`]);

    await endSilence(db, silence.id, 'user:operator', T0 + 100 * S);
    await tick(T0 + 329 * S);
    expect(await sentTo(s)).toHaveLength(1);
    await tick(T0 + 330 * S);
    expect((await sentTo(s)).map((x) => x.alerts)[1]).toEqual([silenced.id]);
    const audit = await listAuditEvents(db, { subject: silence.id });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['silence.end', 'user:operator'],
      ['silence.create', 'user:operator'],
    ]);
  });

  it('a maintenance window on an area keeps its alerts quiet while it lasts', async () => {
    await addRule(db, 'r-maint', { notify: { groupWaitS: 0 } });
    const s = await subscriber('area-m');
    const window = await createMaintenanceWindow(db, { areaIds: ['area-m'], startsAt: T0, endsAt: T0 + 3600 * S, comment: 'bảo trì trạm' }, 'user:operator', T0);
    const a = await fire({ ruleId: 'r-maint', areaId: 'area-m' }, T0);
    await tick(T0);
    expect(await sentTo(s)).toEqual([]);
    expect(await outcomes(a)).toEqual([`firing: suppressed: in maintenance window ${window.id}`]);
    await endMaintenanceWindow(db, window.id, 'user:operator', T0 + 10 * S);
    await tick(T0 + 300 * S);
    expect((await sentTo(s)).map((x) => x.alerts)).toEqual([[a.id]]);
  });

  it("inhibition: an offline device's metric alerts wait while it is offline; a gateway down inhibits offline alerts of its area", async () => {
    await addRule(db, 'r-offline', { type: 'offline', notify: { groupWaitS: 0, groupBy: ['deviceId'] } });
    await addRule(db, 'r-metric', { notify: { groupWaitS: 0, groupBy: ['deviceId'] } });
    await addRule(db, 'r-gateway', { notify: { groupWaitS: 0 } });
    const s = await subscriber('area-i');
    const offline = await fire({ ruleId: 'r-offline', deviceId: 'air-i1', areaId: 'area-i', metric: null }, T0);
    const metric = await fire({ ruleId: 'r-metric', deviceId: 'air-i1', areaId: 'area-i' }, T0);
    await tick(T0);
    expect((await sentTo(s)).map((x) => x.alerts)).toEqual([[offline.id]]);
    expect(await outcomes(metric)).toEqual([`firing: suppressed: inhibited by offline alert ${offline.id}`]);

    await fire({ ruleId: 'r-gateway', deviceId: null, kind: 'gateway', areaId: 'area-i', metric: null }, T0 + MIN);
    const offline2 = await fire({ ruleId: 'r-offline', deviceId: 'air-i2', areaId: 'area-i', metric: null }, T0 + MIN);
    await tick(T0 + MIN);
    expect(await outcomes(offline2)).toEqual([expect.stringMatching(/^firing: suppressed: inhibited by gateway alert /)]);
  });

  it('escalation: each level after its minutes without acknowledgement, the levels again `repeat` times, and stop on acknowledgement', async () => {
    const first = await subscriber('area-e-none');
    const second = await subscriber('area-e-none');
    const policy = await createEscalationPolicy(db, { name: 'trực ca', levels: [{ afterMinutes: 5, subscriberIds: [first.id] }, { afterMinutes: 10, subscriberIds: [second.id] }], repeat: 1 }, T0);
    await addRule(db, 'r-esc2', { notify: { escalationPolicyId: policy.id } });
    const a = await fire({ ruleId: 'r-esc2', deviceId: 'air-e1', areaId: 'area-e' }, T0);
    // Just before and at each step, as the notifier's ticks would see them.
    for (const m of [4, 5, 14, 15, 19, 20, 29, 30, 40]) await tick(T0 + m * MIN + (m % 5 === 4 ? 59 * S : 0));
    expect((await sentTo(first)).map((x) => [x.kind, x.at])).toEqual([
      ['escalation', 5 * MIN],
      ['escalation', 20 * MIN],
    ]);
    expect((await sentTo(second)).map((x) => [x.kind, x.at])).toEqual([
      ['escalation', 15 * MIN],
      ['escalation', 30 * MIN],
    ]);

    const b = await fire({ ruleId: 'r-esc2', deviceId: 'air-e2', areaId: 'area-e' }, T0 + 60 * MIN);
    await run(T0 + 60 * MIN, T0 + 66 * MIN, MIN);
    await transition(db, b, 'acknowledged', T0 + 66 * MIN);
    await run(T0 + 66 * MIN, T0 + 100 * MIN, 2 * MIN);
    expect((await sentTo(first)).map((x) => x.alerts)).toEqual([[a.id], [a.id], [b.id]]);
    expect((await sentTo(second)).map((x) => x.alerts)).toEqual([[a.id], [a.id]]);
    const done = (await db.query<{ outcome: string }>('SELECT outcome FROM alert_escalations WHERE alert_id = $1', [b.id])).rows[0];
    expect(done?.outcome).toBe('acknowledged by user:operator');
  });
});
