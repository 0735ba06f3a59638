// Each channel against a local server speaking its provider's documented protocol: success, a permanent error, a
// transient error or a lost answer followed by a retry with the same idempotency key (one message), Zalo's rotating
// refresh token kept across a restart, and a channel without its settings waiting visibly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Db } from '@ioc/core';
import type { Channel } from '../src/notify/channels/channel.ts';
import { loadNotifyConfig, type ChannelName, type NotifyConfig } from '../src/notify/config.ts';
import { deliverBatch, markWaitingChannels } from '../src/notify/delivery.ts';
import { createChannels, createNotifier } from '../src/notify/notifier.ts';
import { writeOutboxRows } from '../src/notify/outbox-rows.ts';
import { createRateLimiter } from '../src/notify/rate-limit.ts';
import { createSubscriber, type NewSubscriber, type Subscriber } from '../src/notify/subscribers.ts';
import { startFakeEsms, type FakeEsms, startFakeWebhook, type FakeWebhook, startFakeZalo, type FakeZalo } from '../src/testing/index.ts';
import { makeAlert, openNotifyDb, testClock, T0 } from './notify-fixtures.ts';

const logger = createLogger({ level: 'silent' });
const ESMS = { apiKey: 'esms-key', secretKey: 'esms-secret', brandname: 'IOC_HUE' };
const ZALO = { appId: '4242', secretKey: 'zalo-app-secret', refreshToken: 'refresh-first', templateId: '250001', followers: ['7001'] };
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

describe('notification channels against local providers', () => {
  let db: Db;
  let esms: FakeEsms;
  let zalo: FakeZalo;
  let hook: FakeWebhook;
  let config: NotifyConfig;
  const clock = testClock();

  function env(extra: Record<string, string | undefined> = {}) {
    return {
      IOC_ESMS_URL: esms.url,
      IOC_ESMS_API_KEY: ESMS.apiKey,
      IOC_ESMS_SECRET_KEY: ESMS.secretKey,
      IOC_ESMS_BRANDNAME: ESMS.brandname,
      IOC_ZALO_API_URL: zalo.url,
      IOC_ZALO_OA_URL: zalo.url,
      IOC_ZALO_OAUTH_URL: zalo.url,
      IOC_ZALO_APP_ID: ZALO.appId,
      IOC_ZALO_SECRET_KEY: ZALO.secretKey,
      IOC_ZALO_REFRESH_TOKEN: ZALO.refreshToken,
      IOC_ZALO_ZNS_TEMPLATE_ID: ZALO.templateId,
      IOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
      IOC_PUBLIC_URL: 'http://ioc.example',
      IOC_NOTIFY_CALLBACK_SECRET: 'callback-secret-0123456789',
      ...extra,
    };
  }

  beforeAll(async () => {
    db = await openNotifyDb();
    esms = await startFakeEsms(ESMS);
    zalo = await startFakeZalo(ZALO);
    hook = await startFakeWebhook(WEBHOOK_SECRET);
    config = loadNotifyConfig(env());
  });
  afterAll(async () => {
    await Promise.all([esms.close(), zalo.close(), hook.close()]);
    await db.close();
  });
  afterEach(async () => {
    // Each test starts with an empty outbox and no scripted trouble left.
    await db.query('DELETE FROM notification_outbox');
    while (esms.trouble.next() || zalo.trouble.next() || hook.trouble.next());
  });

  let channels = new Map<ChannelName, Channel>();
  const useChannels = (cfg: NotifyConfig) => (channels = new Map(createChannels({ db, config: cfg, logger, clock }, () => true).map((c) => [c.name, c])));
  const round = () => deliverBatch({ db, clock, logger, channels, settings: config.delivery, limiter: createRateLimiter({}), random: () => 0 });

  async function subscriber(fields: Partial<NewSubscriber> = {}): Promise<Subscriber> {
    return createSubscriber(db, { name: 'Trực ban', phone: '+84901234567', zaloUserId: '7001', channels: ['sms'], webhookUrl: `${hook.url}/hook`, minSeverity: 'info', language: 'vi', ...fields }, clock.now());
  }
  async function queue(s: Subscriber, channel: ChannelName) {
    const notificationId = crypto.randomUUID();
    await db.transaction((tx) => writeOutboxRows(tx, { id: notificationId, kind: 'firing' }, [makeAlert({ ruleId: 'r-ch' })], s, clock.now(), [channel]));
    return (await db.query<{ id: string; idempotency_key: string }>('SELECT id, idempotency_key FROM notification_outbox WHERE notification_id = $1', [notificationId])).rows[0] as { id: string; idempotency_key: string };
  }
  const row = async (id: string) =>
    (await db.query<{ status: string; attempts: number; error: string | null; provider_message_id: string | null }>('SELECT status, attempts, error, provider_message_id FROM notification_outbox WHERE id = $1', [id])).rows[0];

  describe('SMS (eSMS)', () => {
    beforeAll(() => useChannels(config));

    it('sends SendMultipleMessage_V4_post_json with the row\'s RequestId and callback, and records the SMSID', async () => {
      const r = await queue(await subscriber(), 'sms');
      expect(await round()).toBe(1);
      const message = esms.messages.at(-1);
      expect(message).toMatchObject({ phone: '84901234567', requestId: r.idempotency_key, isUnicode: '1', callbackUrl: 'http://ioc.example/api/provider-callbacks/esms/callback-secret-0123456789' });
      expect(message?.content).toContain('Bụi mịn PM2.5 cao');
      expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 1, error: null, provider_message_id: message?.smsId });
    });

    it('fails a permanent CodeResult (108, a malformed number) at once', async () => {
      const r = await queue(await subscriber(), 'sms');
      esms.trouble.push({ code: '108' });
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'eSMS CodeResult 108: the phone number is not in a valid format' });
    });

    it('retries an answer lost after acceptance with the same RequestId: one SMS, and the duplicate (124) counts as sent', async () => {
      const before = esms.messages.length;
      const requests = esms.requests;
      const r = await queue(await subscriber(), 'sms');
      esms.trouble.push('accept-then-drop');
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'queued', attempts: 1 });
      expect((await row(r.id))?.error).toMatch(/^no answer .*retried with the same idempotency key$/);
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 2, error: null });
      expect(esms.requests - requests).toBe(2);
      expect(esms.messages.slice(before).map((m) => m.requestId)).toEqual([r.idempotency_key]);
    });

    it('retries HTTP 503 and an account problem (103, balance), then sends once', async () => {
      const before = esms.messages.length;
      const r = await queue(await subscriber(), 'sms');
      esms.trouble.push({ http: 503 }, { code: '103' });
      await round();
      expect((await row(r.id))?.error).toContain('HTTP 503');
      await round();
      expect((await row(r.id))?.error).toContain('CodeResult 103');
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 3 });
      expect(esms.messages.length - before).toBe(1);
    });

    it('gives up after the configured attempts, with the last error', async () => {
      const few = { ...config, delivery: { ...config.delivery, maxAttempts: 2 } };
      const r = await queue(await subscriber(), 'sms');
      esms.trouble.push({ http: 500 }, { http: 500 });
      await deliverBatch({ db, clock, logger, channels, settings: few.delivery, limiter: createRateLimiter({}), random: () => 0 });
      await deliverBatch({ db, clock, logger, channels, settings: few.delivery, limiter: createRateLimiter({}), random: () => 0 });
      expect(await row(r.id)).toMatchObject({ status: 'failed', attempts: 2 });
      expect((await row(r.id))?.error).toMatch(/^gave up after 2 attempts: eSMS answered HTTP 500/);
    });
  });

  describe('Zalo ZNS and OA', () => {
    beforeAll(() => useChannels(config));

    it('refreshes the access token first, stores the rotated refresh token, and sends the template with tracking_id', async () => {
      const r = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      await round();
      expect(zalo.refreshes).toBe(1);
      const stored = (await db.query<{ refresh_token: string }>("SELECT refresh_token FROM channel_tokens WHERE channel = 'zalo'")).rows[0];
      expect(stored?.refresh_token).toBe(zalo.currentRefreshToken);
      const message = zalo.messages.at(-1);
      expect(message).toMatchObject({ api: 'zns', to: '84901234567', trackingId: r.idempotency_key, templateId: ZALO.templateId });
      expect(message?.templateData).toMatchObject({ severity: 'NGHIÊM TRỌNG', area: 'phu-hoi', value: '80 µg/m³' });
      expect(await row(r.id)).toMatchObject({ status: 'sent', provider_message_id: message?.msgId });
    });

    it('fails a bad template (-109) at once', async () => {
      const r = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      zalo.trouble.push({ error: -109 });
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'failed', error: 'ZNS error -109: the template id is invalid' });
    });

    it('retries a lost answer with the same tracking_id: one message', async () => {
      const before = zalo.messages.length;
      const r = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      zalo.trouble.push('accept-then-drop');
      await round();
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(zalo.messages.slice(before).map((m) => m.trackingId)).toEqual([r.idempotency_key]);
    });

    it('after a restart goes on with the stored refresh token (the one in the environment is spent), and refreshes on -124', async () => {
      useChannels(loadNotifyConfig(env()));
      zalo.revokeAccessTokens();
      const r = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      const refreshes = zalo.refreshes;
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'queued', error: 'ZNS error -124: Access token is invalid' });
      await round();
      expect(zalo.refreshes).toBe(refreshes + 1);
      expect(await row(r.id)).toMatchObject({ status: 'sent' });
      expect((await db.query<{ refresh_token: string }>("SELECT refresh_token FROM channel_tokens WHERE channel = 'zalo'")).rows[0]?.refresh_token).toBe(zalo.currentRefreshToken);
    });

    it("takes an operator's new IOC_ZALO_REFRESH_TOKEN over the stored chain, once", async () => {
      const issued = zalo.issueRefreshToken();
      zalo.revokeAccessTokens();
      useChannels(loadNotifyConfig(env({ IOC_ZALO_REFRESH_TOKEN: issued })));
      const r = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'sent' });
      const stored = (await db.query<{ refresh_token: string; seeded_from: string }>("SELECT refresh_token, seeded_from FROM channel_tokens WHERE channel = 'zalo'")).rows[0];
      expect(stored).toEqual({ refresh_token: zalo.currentRefreshToken, seeded_from: issued });
      // A restart with the same setting goes on with the stored chain (the issued token is spent).
      zalo.revokeAccessTokens();
      useChannels(loadNotifyConfig(env({ IOC_ZALO_REFRESH_TOKEN: issued })));
      const again = await queue(await subscriber({ channels: ['zns'] }), 'zns');
      await round();
      await round();
      expect(await row(again.id)).toMatchObject({ status: 'sent' });
    });

    it('refreshes before the access token expires', async () => {
      const start = zalo.refreshes;
      await queue(await subscriber({ channels: ['zns'] }), 'zns');
      await round();
      expect(zalo.refreshes).toBe(start);
      clock.advance(90_000 * 1000 - 4 * 60_000); // 4 minutes before expiry: inside the refresh margin
      await queue(await subscriber({ channels: ['zns'] }), 'zns');
      await round();
      expect(zalo.refreshes).toBe(start + 1);
    });

    it('sends OA messages to followers and fails a non-follower (-213) at once', async () => {
      const follower = await queue(await subscriber({ channels: ['zalo_oa'] }), 'zalo_oa');
      const stranger = await queue(await subscriber({ channels: ['zalo_oa'], zaloUserId: '9999' }), 'zalo_oa');
      await round();
      expect(await row(follower.id)).toMatchObject({ status: 'sent' });
      expect(zalo.messages.find((m) => m.api === 'oa' && m.to === '7001')?.text).toContain('[IOC Huế] Cảnh báo NGHIÊM TRỌNG');
      expect(await row(stranger.id)).toMatchObject({ status: 'failed', error: 'Zalo OA error -213: the user does not follow the Official Account' });
    });
  });

  describe('webhook', () => {
    beforeAll(() => useChannels(config));

    it('signs with HMAC-SHA256, retries a 500 with the same Idempotency-Key, and fails a 400', async () => {
      const s = await subscriber({ channels: ['webhook'] });
      const r = await queue(s, 'webhook');
      hook.trouble.push({ http: 500 });
      await round();
      expect((await row(r.id))?.status).toBe('queued');
      await round();
      expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(hook.badSignatures).toBe(0);
      const delivery = hook.deliveries.find((d) => d.key === r.idempotency_key);
      expect(delivery?.body).toMatchObject({ id: r.idempotency_key, kind: 'firing', language: 'vi' });
      expect((delivery?.body.alerts as { ruleId: string }[])[0]?.ruleId).toBe('r-ch');

      const refused = await queue(s, 'webhook');
      hook.trouble.push({ http: 400 });
      await round();
      expect(await row(refused.id)).toMatchObject({ status: 'failed' });
    });
  });

  it('a channel without its settings keeps its rows queued with the reason, reports it in health, and sends once configured', async () => {
    const bare = loadNotifyConfig(env({ IOC_ESMS_API_KEY: undefined, IOC_ESMS_BRANDNAME: undefined }));
    useChannels(bare);
    const r = await queue(await subscriber(), 'sms');
    expect(await round()).toBe(0);
    await markWaitingChannels(db, channels, clock.now());
    expect(await row(r.id)).toMatchObject({ status: 'queued', attempts: 0, error: 'the sms channel is not configured: set IOC_ESMS_API_KEY, IOC_ESMS_BRANDNAME' });
    const health = await createNotifier({ db, config: bare, logger, clock }).health();
    expect(health).toMatchObject({ status: 'degraded', channels: { sms: 'the sms channel is not configured: set IOC_ESMS_API_KEY, IOC_ESMS_BRANDNAME' }, queued: { sms: 1 } });
    expect(health.reason).toContain('sms (1)');
    useChannels(config);
    await round();
    expect(await row(r.id)).toMatchObject({ status: 'sent', attempts: 1, error: null });
  });

  it('rows of one notification keep their idempotency keys distinct per subscriber and channel', async () => {
    const s = await subscriber({ channels: ['sms', 'zns', 'webhook'] });
    await db.transaction((tx) => writeOutboxRows(tx, { id: 'n-1', kind: 'firing' }, [makeAlert({ ruleId: 'r-ch' }, T0)], s, clock.now()));
    const keys = (await db.query<{ idempotency_key: string; channel: string }>("SELECT idempotency_key, channel FROM notification_outbox WHERE notification_id = 'n-1'")).rows;
    expect(keys.map((k) => k.channel).sort()).toEqual(['sms', 'webhook', 'zns']);
    expect(new Set(keys.map((k) => k.idempotency_key)).size).toBe(3);
  });
});
