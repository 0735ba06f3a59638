// The alert and alert-rule routes over Fastify's inject: every route, its 400s naming the field, its 403s by role,
// the lifecycle's transitions with who and when, and the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertLifecycle, type AlertRow, type NewAlert } from '@ioc/alerting';
import { listAuditEvents, type Role } from '@ioc/core';
import { logger, openTestApp, signIn, type TestApp } from './helpers.ts';

describe('/api/alerts and /api/alert-rules', () => {
  let t: TestApp;
  const cookies = {} as Record<Role, string>;
  let fire: (fingerprint: string, extra?: Partial<NewAlert>) => Promise<AlertRow>;

  const call = async (role: Role | undefined, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const response = await t.app.inject({ method, url, headers: role ? { cookie: cookies[role] } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as Record<string, any>) : undefined };
  };

  beforeAll(async () => {
    t = await openTestApp();
    for (const role of ['admin', 'operator', 'radio', 'viewer'] as Role[]) cookies[role] = await signIn(t.app, role);
    // The engine's side: the same lifecycle the alerting service fires alerts with.
    const lifecycle = createAlertLifecycle({ db: t.db, clock: t.clock, logger, publish: async () => {} });
    fire = async (fingerprint, extra = {}) =>
      (await lifecycle.fire({
        ruleId: 'rule-api',
        fingerprint,
        severity: 'major',
        deviceId: 'air-api',
        areaId: '19753',
        kind: 'air',
        metric: 'pm25',
        value: 72,
        unit: 'µg/m³',
        titleVi: '[Nghiêm trọng] Bụi PM2.5 vượt ngưỡng',
        titleEn: '[major] pm25 above threshold',
        textVi: 'Bụi PM2.5 là 72 µg/m³',
        textEn: 'pm25 is 72 µg/m³',
        ...extra,
      }))!;
  });
  afterAll(() => t.close());

  describe('rules', () => {
    let id: string;

    it('operators create, read, change and delete a rule; each change is audited', async () => {
      const created = await call('operator', 'POST', '/api/alert-rules', { name: 'PM2.5', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, forS: 60, severity: 'major', scope: { areaIds: ['19753'] } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'PM2.5', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, forS: 60, severity: 'major', enabled: true, scope: { areaIds: ['19753'] }, notify: {}, emergencyBroadcast: null, createdBy: 'user:operator' });
      id = created.body!.id as string;
      expect((await call('admin', 'GET', '/api/alert-rules')).body).toEqual({ items: [created.body] });
      expect((await call('operator', 'GET', `/api/alert-rules/${id}`)).body).toEqual(created.body);
      const changed = await call('admin', 'PATCH', `/api/alert-rules/${id}`, { above: null, clearBelow: null, below: 5, clearAbove: 8, enabled: false, notify: { groupBy: ['areaId'], groupWaitS: 30 } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ below: 5, clearAbove: 8, enabled: false, notify: { groupBy: ['areaId'], groupWaitS: 30 }, updatedBy: 'user:admin' });
      expect(changed.body).not.toHaveProperty('above');
      const actions = (await listAuditEvents(t.db, { subject: id })).map((e) => e.action);
      expect(actions.sort()).toEqual(['alert_rule.create', 'alert_rule.update']);
    });

    it.each([
      [{ name: 'x', type: 'threshold', metric: 'pm25', severity: 'major' }, '"above" or "below" is required for a threshold rule'],
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 60, severity: 'major' }, '"clearBelow" must be <= "above" (50)'],
      [{ name: 'x', type: 'threshold', metric: 'nope', above: 1, severity: 'major' }, '"metric": no device kind reports "nope"'],
      [{ name: 'x', type: 'offline', metric: 'pm25', severity: 'major' }, '"metric" is not used by a offline rule'],
      [{ name: 'x', type: 'area', metric: 'pm25', above: 1, severity: 'major' }, '"minDevices" is required for an area rule'],
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 1, severity: 'major', scope: { areaIds: ['nowhere'] } }, '"scope.areaIds": no area "nowhere"'],
    ])('refuses a rule that does not hold together, naming the field (%j)', async (body, message) => {
      const response = await call('operator', 'POST', '/api/alert-rules', body);
      expect(response.status).toBe(400);
      expect(response.body!.error.message).toContain(message);
    });

    it.each([
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 1, severity: 'urgent' }, 'severity'],
      [{ name: 'x', type: 'siren', severity: 'major' }, 'type'],
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 1, severity: 'major', colour: 'red' }, 'colour'],
      [{ type: 'threshold', metric: 'pm25', above: 1, severity: 'major' }, 'name'],
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 1, severity: 'major', forS: -1 }, 'forS'],
      [{ name: 'x', type: 'threshold', metric: 'pm25', above: 1, severity: 'major', notify: { groupBy: ['colour'] } }, 'groupBy'],
    ])('refuses a malformed rule with a 400 naming the field (%j)', async (body, field) => {
      const response = await call('operator', 'POST', '/api/alert-rules', body);
      expect(response.status).toBe(400);
      expect(response.body!.error.message).toContain(field);
    });

    it('refuses radio staff and viewers (403) and strangers (401); an unknown rule is 404', async () => {
      for (const role of ['radio', 'viewer'] as Role[]) {
        expect((await call(role, 'GET', '/api/alert-rules')).status).toBe(403);
        expect((await call(role, 'POST', '/api/alert-rules', { name: 'x', type: 'offline', severity: 'info' })).status).toBe(403);
        expect((await call(role, 'DELETE', `/api/alert-rules/${id}`)).status).toBe(403);
      }
      expect((await call(undefined, 'GET', '/api/alert-rules')).status).toBe(401);
      expect((await call('operator', 'PATCH', '/api/alert-rules/none', { enabled: true })).status).toBe(404);
      expect((await call('operator', 'DELETE', `/api/alert-rules/${id}`)).status).toBe(204);
      expect((await call('operator', 'DELETE', `/api/alert-rules/${id}`)).status).toBe(404);
    });
  });

  describe('alerts', () => {
    it('lists alerts with the issue\'s fields, filtered by state, severity, commune and device', async () => {
      const one = await fire('fp-list-1');
      t.clock.advance(1000);
      const two = await fire('fp-list-2', { severity: 'critical', deviceId: 'water-api', areaId: '19774', kind: 'water', metric: 'level_cm' });
      const all = await call('viewer', 'GET', '/api/alerts');
      expect(all.status).toBe(200);
      expect(all.body!.items.map((a: AlertRow) => a.id).slice(0, 2)).toEqual([two.id, one.id]);
      expect(all.body!.items[1]).toMatchObject({
        id: one.id, ruleId: 'rule-api', fingerprint: 'fp-list-1', deviceId: 'air-api', areaId: '19753', metric: 'pm25', value: 72, severity: 'major', state: 'firing',
        title: '[Nghiêm trọng] Bụi PM2.5 vượt ngưỡng', startsAt: one.startsAt, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, assignee: null,
      });
      const ids = async (query: string) => (await call('viewer', 'GET', `/api/alerts?${query}`)).body!.items.map((a: AlertRow) => a.id);
      expect(await ids('severity=critical')).toEqual([two.id]);
      expect(await ids('areaId=19753')).toContain(one.id);
      expect(await ids('areaId=19753')).not.toContain(two.id);
      expect(await ids('deviceId=water-api')).toEqual([two.id]);
      expect(await ids('state=resolved')).toEqual([]);
      const bad = await call('viewer', 'GET', '/api/alerts?state=open');
      expect(bad.status).toBe(400);
      expect(bad.body!.error.message).toContain('state');
    });

    it('acknowledge → comment → assign → resolve, each transition kept with who and when, audited; a wrong move is 409', async () => {
      const alert = await fire('fp-life');
      t.clock.advance(5000);
      const acked = await call('operator', 'POST', `/api/alerts/${alert.id}/ack`);
      expect(acked.status).toBe(200);
      expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'user:operator', acknowledgedAt: t.clock.now() });
      expect((await call('operator', 'POST', `/api/alerts/${alert.id}/ack`)).status).toBe(409);
      const comment = await call('operator', 'POST', `/api/alerts/${alert.id}/comments`, { text: 'Đội hiện trường đang kiểm tra' });
      expect(comment.status).toBe(201);
      expect(comment.body).toMatchObject({ author: 'user:operator', text: 'Đội hiện trường đang kiểm tra', at: t.clock.now() });
      const assigned = await call('admin', 'POST', `/api/alerts/${alert.id}/assign`, { username: 'operator' });
      expect(assigned.body).toMatchObject({ assignee: 'operator', state: 'acknowledged' });
      const unknown = await call('operator', 'POST', `/api/alerts/${alert.id}/assign`, { username: 'nobody' });
      expect(unknown.status).toBe(400);
      expect(unknown.body!.error.message).toContain('"username": no user "nobody"');
      t.clock.advance(5000);
      const resolved = await call('operator', 'POST', `/api/alerts/${alert.id}/resolve`, { note: 'sensor cleaned' });
      expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'user:operator', resolvedAt: t.clock.now() });
      expect((await call('operator', 'POST', `/api/alerts/${alert.id}/resolve`, {})).status).toBe(409);
      expect((await call('operator', 'POST', `/api/alerts/${alert.id}/assign`, { username: 'admin' })).status).toBe(409);

      const detail = await call('viewer', 'GET', `/api/alerts/${alert.id}`);
      expect(detail.body!.history).toEqual([
        { from: null, to: 'firing', by: 'rule', at: alert.startsAt, note: null },
        { from: 'firing', to: 'acknowledged', by: 'user:operator', at: alert.startsAt + 5000, note: null },
        { from: 'acknowledged', to: 'acknowledged', by: 'user:admin', at: alert.startsAt + 5000, note: 'assigned to operator' },
        { from: 'acknowledged', to: 'resolved', by: 'user:operator', at: alert.startsAt + 10_000, note: 'sensor cleaned' },
      ]);
      expect(detail.body!.comments).toEqual([comment.body]);
      const actions = (await listAuditEvents(t.db, { subject: alert.id })).map((e) => e.action).reverse();
      expect(actions).toEqual(['alert.fire', 'alert.acknowledge', 'alert.comment', 'alert.assign', 'alert.resolve']);
      // The notification outbox heard each transition in its transaction.
      const events = await t.db.query<{ event: string }>('SELECT event FROM notification_events WHERE alert_id = $1 ORDER BY at, event', [alert.id]);
      expect(events.rows.map((r) => r.event)).toEqual(['firing', 'acknowledged', 'resolved']);
    });

    it('a firing alert may be resolved without acknowledgement; a resolved fingerprint fires a new alert', async () => {
      const first = await fire('fp-again');
      expect((await call('operator', 'POST', `/api/alerts/${first.id}/resolve`, {})).body).toMatchObject({ state: 'resolved', acknowledgedAt: null });
      const second = await fire('fp-again');
      expect(second.id).not.toBe(first.id);
      expect((await call('viewer', 'GET', `/api/alerts?state=firing`)).body!.items.map((a: AlertRow) => a.id)).toContain(second.id);
    });

    it('refuses viewers and radio staff the operator routes (403), strangers everything (401); unknown alerts are 404; bodies are checked', async () => {
      const alert = await fire('fp-roles');
      for (const role of ['viewer', 'radio'] as Role[]) {
        for (const [path, body] of [['ack', undefined], ['resolve', {}], ['comments', { text: 'x' }], ['assign', { username: 'admin' }]] as const) {
          expect((await call(role, 'POST', `/api/alerts/${alert.id}/${path}`, body)).status, `${role} ${path}`).toBe(403);
        }
        expect((await call(role, 'GET', `/api/alerts/${alert.id}`)).status).toBe(200);
      }
      expect((await call(undefined, 'GET', '/api/alerts')).status).toBe(401);
      expect((await call('operator', 'POST', '/api/alerts/no-such-alert/ack')).status).toBe(404);
      expect((await call('operator', 'GET', '/api/alerts/no-such-alert')).status).toBe(404);
      const empty = await call('operator', 'POST', `/api/alerts/${alert.id}/comments`, { text: '' });
      expect(empty.status).toBe(400);
      expect(empty.body!.error.message).toContain('text');
      const noUser = await call('operator', 'POST', `/api/alerts/${alert.id}/assign`, {});
      expect(noUser.status).toBe(400);
      expect(noUser.body!.error.message).toContain('username');
    });
  });
});
