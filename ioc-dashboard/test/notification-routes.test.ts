// The notification API over HTTP: subscribers (admin; validated; audited), escalation policies, silences and
// maintenance windows (operators; audited), the notifications of an alert, and the providers' delivery receipts
// arriving from the local eSMS and Zalo servers at the public callback routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels, createRateLimiter, createSubscriber, deliverBatch, loadNotifyConfig, writeOutboxRows, type Subscriber } from '@ioc/alerting';
import { startFakeEsms, type FakeEsms, startFakeZalo, type FakeZalo } from '@ioc/alerting/testing';
import { makeAlert } from '../../alerting/test/notify-fixtures.ts';
import { logger } from './helpers.ts';
import { login, openTestServer, type TestServer } from './http-server.ts';

const SECRET = 'callback-secret-for-tests-0123';

describe('notification routes', () => {
  let s: TestServer;
  let admin: string;
  let operator: string;
  let viewer: string;
  beforeAll(async () => {
    s = await openTestServer({ providerCallbackSecret: SECRET });
    [admin, operator, viewer] = [await login(s.url, 'admin'), await login(s.url, 'operator'), await login(s.url, 'viewer')];
  });
  afterAll(() => s.close());

  const call = async (method: string, path: string, cookie: string | undefined, body?: unknown) => {
    const response = await fetch(`${s.url}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  const audited = async (action: string) => (await s.db.query<{ actor: string; target: string }>('SELECT actor, target FROM audit_log WHERE action = $1', [action])).rows;

  it('subscribers: validated (+84 numbers, a channel\'s address), changed, removed, each audited; admins only', async () => {
    const base = { name: 'Nguyễn Văn A', phone: '+84901234567', channels: ['sms', 'zalo_oa'], zaloUserId: '7001', areaIds: ['phu-hoi'], minSeverity: 'major', language: 'vi', quietHours: { from: '22:00', to: '06:00' } };
    expect((await call('POST', '/api/subscribers', admin, { ...base, phone: '0901234567' })).status).toBe(400);
    const noZalo = await call('POST', '/api/subscribers', admin, { ...base, zaloUserId: undefined });
    expect(noZalo.body.error).toEqual({ code: 'invalid_request', message: '"zaloUserId" is required for the zalo_oa channel' });
    expect((await call('POST', '/api/subscribers', operator, base)).status).toBe(403);
    const created = await call('POST', '/api/subscribers', admin, base);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...base, webhookUrl: null, kinds: null });
    const id = created.body.id as string;
    const changed = await call('PATCH', `/api/subscribers/${id}`, admin, { quietHours: null, channels: ['sms'] });
    expect(changed.body).toMatchObject({ quietHours: null, channels: ['sms'], zaloUserId: '7001' });
    expect((await call('PATCH', `/api/subscribers/${id}`, admin, { channels: ['webhook'] })).body.error?.message).toBe('"webhookUrl" is required for the webhook channel');
    expect((await call('GET', '/api/subscribers', admin)).body.items).toHaveLength(1);
    // A message still waiting for a removed subscriber fails with the reason; it is not left queued.
    await s.db.transaction((tx) => writeOutboxRows(tx, { id: 'n-removed', kind: 'firing' }, [makeAlert({ ruleId: 'r-http' })], changed.body as unknown as Subscriber, s.clock.now()));
    expect((await call('DELETE', `/api/subscribers/${id}`, admin)).status).toBe(204);
    expect((await s.db.query('SELECT status, error FROM notification_outbox WHERE notification_id = $1', ['n-removed'])).rows).toEqual([{ status: 'failed', error: 'the subscriber was deleted' }]);
    expect((await call('DELETE', `/api/subscribers/${id}`, admin)).status).toBe(404);
    expect((await audited('subscriber.create')).map((e) => e.actor)).toEqual(['user:admin']);
    expect(await audited('subscriber.update')).toHaveLength(1);
    expect(await audited('subscriber.delete')).toHaveLength(1);
  });

  it('escalation policies name existing subscribers; operators read them, admins change them', async () => {
    const sub = await createSubscriber(s.db, { name: 'Trực ban', phone: '+84901234568', channels: ['sms'], minSeverity: 'info', language: 'vi' }, s.clock.now());
    const policy = { name: 'Trực ca đêm', levels: [{ afterMinutes: 10, subscriberIds: [sub.id] }], repeat: 2 };
    expect((await call('POST', '/api/escalation-policies', admin, { ...policy, levels: [{ afterMinutes: 10, subscriberIds: ['nobody'] }] })).body.error?.message).toBe('no subscriber "nobody"');
    const created = await call('POST', '/api/escalation-policies', admin, policy);
    expect(created.status).toBe(201);
    expect((await call('PUT', `/api/escalation-policies/${created.body.id}`, operator, policy)).status).toBe(403);
    expect((await call('PUT', `/api/escalation-policies/${created.body.id}`, admin, { ...policy, repeat: 0 })).body).toMatchObject({ repeat: 0 });
    expect((await call('GET', '/api/escalation-policies', operator)).body.items).toHaveLength(1);
    expect((await call('DELETE', `/api/escalation-policies/${created.body.id}`, admin)).status).toBe(204);
  });

  it('silences and maintenance windows: operators create and end them, viewers read them, all audited', async () => {
    const now = s.clock.now();
    const silence = { matchers: [{ name: 'deviceId', value: 'air-.*', isRegex: true }], startsAt: now, endsAt: now + 3_600_000, comment: 'hiệu chuẩn cảm biến' };
    expect((await call('POST', '/api/silences', viewer, silence)).status).toBe(403);
    expect((await call('POST', '/api/silences', operator, { ...silence, endsAt: now })).body.error?.message).toBe('"endsAt" must be after "startsAt"');
    expect((await call('POST', '/api/silences', operator, { ...silence, matchers: [{ name: 'deviceId', value: '(', isRegex: true }] })).status).toBe(400);
    const created = await call('POST', '/api/silences', operator, silence);
    expect(created.body).toMatchObject({ state: 'active', createdBy: 'user:operator', endedBy: null });
    expect((await call('GET', '/api/silences', viewer)).body.items).toHaveLength(1);
    s.clock.advance(60_000);
    const ended = await call('DELETE', `/api/silences/${created.body.id}`, operator);
    expect(ended.body).toMatchObject({ state: 'expired', endedBy: 'user:operator', endsAt: now + 60_000 });
    expect((await call('DELETE', `/api/silences/${created.body.id}`, operator)).status).toBe(404);
    expect((await audited('silence.create')).map((e) => e.target)).toEqual([created.body.id]);
    expect((await audited('silence.end')).map((e) => e.actor)).toEqual(['user:operator']);

    const window = { areaIds: ['phu-hoi'], startsAt: now, endsAt: now + 7_200_000, comment: 'bảo trì' };
    expect((await call('POST', '/api/maintenance-windows', operator, { ...window, areaIds: [] })).body.error?.message).toBe('name at least one of "deviceIds" and "areaIds"');
    const w = await call('POST', '/api/maintenance-windows', operator, window);
    expect(w.status).toBe(201);
    expect((await call('GET', '/api/maintenance-windows', viewer)).body.items).toHaveLength(1);
    expect((await call('DELETE', `/api/maintenance-windows/${w.body.id}`, operator)).status).toBe(200);
    expect(await audited('maintenance.create')).toHaveLength(1);
    expect(await audited('maintenance.end')).toHaveLength(1);
  });

  describe('delivery receipts from the providers, and GET /api/notifications', () => {
    let esms: FakeEsms;
    let zalo: FakeZalo;
    let subscriber: Subscriber;
    beforeAll(async () => {
      esms = await startFakeEsms({ apiKey: 'k', secretKey: 's', brandname: 'IOC_HUE' });
      zalo = await startFakeZalo({ appId: '1', secretKey: 'zs', refreshToken: 'r0', templateId: 't1', followers: [] });
      subscriber = await createSubscriber(s.db, { name: 'Trực ban', phone: '+84901234569', channels: ['sms', 'zns'], minSeverity: 'info', language: 'en' }, s.clock.now());
    });
    afterAll(() => Promise.all([esms.close(), zalo.close()]));

    it('eSMS and Zalo receipts mark the messages delivered; a wrong secret is no route', async () => {
      const config = loadNotifyConfig({
        IOC_ESMS_URL: esms.url, IOC_ESMS_API_KEY: 'k', IOC_ESMS_SECRET_KEY: 's', IOC_ESMS_BRANDNAME: 'IOC_HUE',
        IOC_ZALO_API_URL: zalo.url, IOC_ZALO_OA_URL: zalo.url, IOC_ZALO_OAUTH_URL: zalo.url, IOC_ZALO_APP_ID: '1', IOC_ZALO_SECRET_KEY: 'zs', IOC_ZALO_REFRESH_TOKEN: 'r0', IOC_ZALO_ZNS_TEMPLATE_ID: 't1',
        IOC_PUBLIC_URL: s.url, IOC_NOTIFY_CALLBACK_SECRET: SECRET,
      });
      const alert = makeAlert({ ruleId: 'r-http', id: 'al-http-1' });
      await s.db.transaction((tx) => writeOutboxRows(tx, { id: 'n-http', kind: 'firing' }, [alert], subscriber, s.clock.now()));
      const channels = new Map(createChannels({ db: s.db, config, logger, clock: s.clock }, () => true).map((c) => [c.name, c]));
      expect(await deliverBatch({ db: s.db, clock: s.clock, logger, channels, settings: config.delivery, limiter: createRateLimiter({}) })).toBe(2);

      const listed = await call('GET', '/api/notifications?alertId=al-http-1', viewer);
      expect(listed.body.items).toEqual([
        expect.objectContaining({ alertId: 'al-http-1', subscriberId: subscriber.id, kind: 'firing', status: 'sent', attempts: 1, error: null }),
        expect.objectContaining({ alertId: 'al-http-1', subscriberId: subscriber.id, kind: 'firing', status: 'sent', attempts: 1, error: null }),
      ]);
      expect((listed.body.items as { channel: string }[]).map((i) => i.channel).sort()).toEqual(['sms', 'zns']);

      const sms = esms.messages.at(-1)!;
      expect(sms.callbackUrl).toBe(`${s.url}/api/provider-callbacks/esms/${SECRET}`);
      expect(await esms.deliver({ ...sms, callbackUrl: `${s.url}/api/provider-callbacks/esms/wrong-secret-0123456789012` })).toBe(404);
      expect(await esms.deliver(sms)).toBe(200);
      expect(await zalo.deliver(zalo.messages.at(-1)!, `${s.url}/api/provider-callbacks/zalo/${SECRET}`)).toBe(200);
      const after = (await call('GET', '/api/notifications?alertId=al-http-1', viewer)).body.items as { channel: string; status: string; providerMessageId: string }[];
      expect(after.map((i) => [i.channel, i.status]).sort()).toEqual([
        ['sms', 'delivered'],
        ['zns', 'delivered'],
      ]);
      expect(after.find((i) => i.channel === 'sms')?.providerMessageId).toBe(sms.smsId);
      expect((await call('GET', '/api/notifications?alertId=someone-else', viewer)).body.items).toEqual([]);
      expect((await call('GET', '/api/notifications?alertId=al-http-1', undefined)).status).toBe(401);
    });
  });
});
