// Who may call what (hardening issue 19): every route of the running app, for every role and for anonymous
// callers, against one declared table. The routes come from Fastify's own route table (printRoutes), so a route
// added without a row here fails this test, and so does a row whose route is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRules, insertOpenAlert } from '@ioc/alerting';
import { createDevice, createDeviceCommands, createMqttAccount, ROLES, type Db, type Role } from '@ioc/core';
import { logger, PASSWORDS } from './helpers.ts';
import { login, openTestServer, type TestServer } from './http-server.ts';
import { routeTable } from './route-table.ts';

type Who = Role | 'anonymous';
const WHO: readonly Who[] = [...ROLES, 'anonymous'];
/** '2xx' (or '3xx'): the caller may; 401: sign in first; 403: the role may not. */
type Expected = '2xx' | '3xx' | 401 | 403;

/** Columns: admin, operator, radio_lead, radio, viewer, anonymous. */
const row = (...columns: [Expected, Expected, Expected, Expected, Expected, Expected]) =>
  Object.fromEntries(WHO.map((who, i) => [who, columns[i]])) as Record<Who, Expected>;
const ANYONE = row('2xx', '2xx', '2xx', '2xx', '2xx', '2xx');
const SIGNED_IN = row('2xx', '2xx', '2xx', '2xx', '2xx', 401);
const OPERATOR = row('2xx', '2xx', 403, 403, 403, 401);
const ADMIN = row('2xx', 403, 403, 403, 403, 401);
const CALLBACK_SECRET = 'matrix-callback-secret-0123';

/** The one table: every route (but HEAD, which answers as its GET) and who gets what. */
const MATRIX: Record<string, Record<Who, Expected>> = {
  'GET /api/health': ANYONE,
  'GET /api/health/live': ANYONE,
  'GET /api/health/ready': ANYONE,
  'POST /api/auth/login': ANYONE,
  'POST /api/auth/logout': SIGNED_IN,
  'GET /api/auth/me': SIGNED_IN,
  'GET /api/devices': SIGNED_IN,
  'POST /api/devices': ADMIN,
  'POST /api/devices/bulk': ADMIN,
  'GET /api/devices/:id': SIGNED_IN,
  'PATCH /api/devices/:id': ADMIN,
  'DELETE /api/devices/:id': ADMIN,
  'POST /api/devices/:id/token': ADMIN,
  'POST /api/devices/:id/revoke': ADMIN,
  'GET /api/devices/:id/telemetry': SIGNED_IN,
  'GET /api/devices/:id/telemetry.csv': SIGNED_IN,
  // On a loudspeaker: radio staff command speakers, viewers command nothing.
  'POST /api/devices/:id/commands': row('2xx', '2xx', '2xx', '2xx', 403, 401),
  'GET /api/devices/:id/commands': SIGNED_IN,
  'GET /api/dead-letters': OPERATOR,
  'GET /api/anomalies': SIGNED_IN,
  'GET /api/alert-rules': OPERATOR,
  'POST /api/alert-rules': OPERATOR,
  'GET /api/alert-rules/:id': OPERATOR,
  'PATCH /api/alert-rules/:id': OPERATOR,
  'DELETE /api/alert-rules/:id': OPERATOR,
  'GET /api/alerts': SIGNED_IN,
  'GET /api/alerts/:id': SIGNED_IN,
  // On the caller's own firing alert, in this order: acknowledge, comment, assign, resolve.
  'POST /api/alerts/:id/ack': OPERATOR,
  'POST /api/alerts/:id/comments': OPERATOR,
  'POST /api/alerts/:id/assign': OPERATOR,
  'POST /api/alerts/:id/resolve': OPERATOR,
  'GET /api/areas': SIGNED_IN,
  'GET /api/audit': ADMIN,
  'GET /api/accounts': ADMIN,
  'POST /api/accounts': ADMIN,
  'PATCH /api/accounts/:username': ADMIN,
  'POST /api/accounts/:username/token': ADMIN,
  'GET /api/subscribers': ADMIN,
  'POST /api/subscribers': ADMIN,
  'PATCH /api/subscribers/:id': ADMIN,
  'DELETE /api/subscribers/:id': ADMIN,
  'GET /api/escalation-policies': OPERATOR,
  'POST /api/escalation-policies': ADMIN,
  'PUT /api/escalation-policies/:id': ADMIN,
  'DELETE /api/escalation-policies/:id': ADMIN,
  'GET /api/silences': SIGNED_IN,
  'POST /api/silences': OPERATOR,
  'DELETE /api/silences/:id': OPERATOR,
  'GET /api/maintenance-windows': SIGNED_IN,
  'POST /api/maintenance-windows': OPERATOR,
  'DELETE /api/maintenance-windows/:id': OPERATOR,
  'GET /api/notifications': SIGNED_IN,
  // Providers' delivery receipts: no sign-in, the secret in the path admits them.
  'GET /api/provider-callbacks/esms/:secret': ANYONE,
  'POST /api/provider-callbacks/zalo/:secret': ANYONE,
  'GET /api/docs': SIGNED_IN,
  'GET /api/docs/': SIGNED_IN,
  'GET /api/docs/json': SIGNED_IN,
  'GET /api/docs/yaml': SIGNED_IN,
  'GET /api/docs/static/index.html': row('3xx', '3xx', '3xx', '3xx', '3xx', 401),
  'GET /api/docs/static/swagger-initializer.js': SIGNED_IN,
  // swagger-ui's own files (its scripts, styles, icons): the same for everyone, no API in them.
  'GET /api/docs/*': ANYONE,
};

/** A request each caller can make of a route: its own device or account where the route changes or removes one. */
function sample(route: string, who: Who): { path: string; body?: unknown } {
  const [, path = ''] = route.split(' ');
  const own = `m-${who.replace('_', '-')}`;
  const fill = (device: string) => path.replace(':id', device).replace(':username', `int:${own}`).replace('*', 'static/favicon-32x32.png');
  switch (route) {
    case 'POST /api/auth/login':
      return { path, body: { username: 'viewer', password: PASSWORDS.viewer } };
    case 'POST /api/devices':
      return { path, body: { id: `${own}-new`, kind: 'air' } };
    case 'POST /api/devices/bulk':
      return { path, body: { devices: [{ id: `${own}-bulk`, kind: 'air' }] } };
    case 'PATCH /api/devices/:id':
      return { path: fill(own), body: { enabled: true } };
    case 'POST /api/devices/:id/commands':
      return { path: fill('spk-matrix'), body: { type: 'volume', args: { level: 10 } } };
    case 'GET /api/devices/:id/telemetry':
      return { path: `${fill(own)}?metric=pm25` };
    case 'POST /api/accounts':
      return { path, body: { name: `${own}-new`, role: 'integration', topicRoot: 'matrix' } };
    case 'PATCH /api/accounts/:username':
      return { path: fill(own), body: { enabled: true } };
    case 'POST /api/alert-rules':
      return { path, body: { name: `${own} rule`, type: 'offline', severity: 'info' } };
    case 'PATCH /api/alert-rules/:id':
      return { path: fill(own), body: { enabled: false } };
    case 'POST /api/alerts/:id/comments':
      return { path: fill(own), body: { text: 'on my way' } };
    case 'POST /api/alerts/:id/assign':
      return { path: fill(own), body: { username: 'operator' } };
    case 'POST /api/subscribers':
      return { path, body: { name: own, phone: '+84901234567', channels: ['sms'], minSeverity: 'major', language: 'vi' } };
    case 'PATCH /api/subscribers/:id':
      return { path: fill(own), body: { name: `${own} renamed` } };
    case 'POST /api/escalation-policies':
    case 'PUT /api/escalation-policies/:id':
      return { path: fill(own), body: { name: own, levels: [{ afterMinutes: 5, subscriberIds: ['matrix-on-call'] }] } };
    case 'POST /api/silences':
      return { path, body: { matchers: [{ name: 'deviceId', value: own }], startsAt: 0, endsAt: 4_102_444_800_000, comment: own } };
    case 'POST /api/maintenance-windows':
      return { path, body: { deviceIds: [own], startsAt: 0, endsAt: 4_102_444_800_000, comment: own } };
    case 'GET /api/provider-callbacks/esms/:secret':
      return { path: `${path.replace(':secret', CALLBACK_SECRET)}?SMSID=none&SendStatus=5&SendSuccess=1` };
    case 'POST /api/provider-callbacks/zalo/:secret':
      return { path: path.replace(':secret', CALLBACK_SECRET), body: { event_name: 'follow' } };
    default:
      return { path: fill(own), body: route.startsWith('POST') ? {} : undefined };
  }
}

/** The caller's own subscriber, escalation policy, silence and maintenance window, with its id, for the routes that change one. */
async function addNotificationFixtures(db: Db, id: string): Promise<void> {
  const now = new Date().toISOString();
  await db.query(
    `INSERT INTO subscribers (id, name, phone, channels, min_severity, language, created_at, updated_at) VALUES ($1, $1, '+84901234567', '{sms}', 'major', 'vi', $2, $2)`,
    [id, now],
  );
  await db.query(`INSERT INTO escalation_policies (id, name, levels, created_at, updated_at) VALUES ($1, $1, $2, $3, $3)`, [id, JSON.stringify([{ afterMinutes: 5, subscriberIds: [id] }]), now]);
  await db.query(`INSERT INTO silences (id, matchers, starts_at, ends_at, comment, created_by, created_at) VALUES ($1, '[]', $2, '2100-01-01', $1, 'test', $2)`, [id, now]);
  await db.query(`INSERT INTO maintenance_windows (id, device_ids, starts_at, ends_at, comment, created_by, created_at) VALUES ($1, '{x}', $2, '2100-01-01', $1, 'test', $2)`, [id, now]);
}

/** A firing alert and an alert rule whose id is the caller's own (`m-<role>`), for the routes that change one. */
async function addOwnAlertAndRule(db: Db, id: string): Promise<void> {
  const now = Date.now();
  await insertOpenAlert(db, {
    id, ruleId: id, fingerprint: id, deviceId: id, areaId: null, kind: 'air', metric: 'pm25', value: 99, unit: 'µg/m³', severity: 'major', state: 'firing',
    titleVi: id, titleEn: id, textVi: id, textEn: id, startsAt: now, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, assignee: null, updatedAt: now,
  });
  const rule = await createAlertRules({ db, clock: { now: () => now }, logger, announce: async () => {} }).create({ name: id, type: 'offline', severity: 'info' }, { actor: 'user:admin' });
  await db.query('UPDATE alert_rules SET id = $1 WHERE id = $2', [id, rule.id]);
}

describe('role × route matrix over HTTP', () => {
  let s: TestServer;
  const cookies = new Map<Who, string>();
  beforeAll(async () => {
    s = await openTestServer({
      commands: ({ db, clock }) => createDeviceCommands({ db, clock, logger, publish: async () => {}, onChange: () => {} }),
      providerCallbackSecret: CALLBACK_SECRET,
    });
    await createDevice(s.db, { id: 'spk-matrix', kind: 'speaker' });
    // The subscriber the escalation policies name (each caller's own is removed by then).
    await addNotificationFixtures(s.db, 'matrix-on-call');
    for (const who of WHO) {
      await createDevice(s.db, { id: `m-${who.replace('_', '-')}`, kind: 'air' });
      await createMqttAccount(s.db, { name: `m-${who.replace('_', '-')}`, role: 'integration', topicRoot: `m-${who.replace('_', '-')}` });
      await addOwnAlertAndRule(s.db, `m-${who.replace('_', '-')}`);
      await addNotificationFixtures(s.db, `m-${who.replace('_', '-')}`);
      if (who !== 'anonymous') cookies.set(who, await login(s.url, who));
    }
  });
  afterAll(() => s.close());

  it('declares every route of the app, and no route it does not have', () => {
    const routes = routeTable(s.app).filter((route) => !route.startsWith('HEAD '));
    expect(routes.length).toBeGreaterThan(20);
    expect([...routes].sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it.each(WHO)('%s gets what the table says on every route', async (who) => {
    // Removing the caller's device, then signing out, come last.
    const last = ['DELETE /api/devices/:id', 'POST /api/auth/logout'];
    const routes = Object.keys(MATRIX).sort((a, b) => last.indexOf(a) - last.indexOf(b));
    const got: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const route of routes) {
      const { path, body } = sample(route, who);
      const cookie = cookies.get(who);
      const response = await fetch(`${s.url}${path}`, {
        method: route.split(' ')[0],
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const expected = MATRIX[route]?.[who] as Expected;
      const status = response.status;
      got[route] = typeof expected === 'number' ? String(status) : `${String(status)[0]}xx`;
      wanted[route] = String(expected);
      if (status >= 400) expect(((await response.json()) as { error: { code: string } }).error.code, `${route}: ${status}`).toBeTypeOf('string');
    }
    expect(got).toEqual(wanted);
  });
});
