// From readings to messages: devices publish readings at set times on a real gateway, the alerting service opens
// and resolves alerts, and its notifier tells the subscriber through the local eSMS and webhook providers within
// the rule's group_wait and group_interval (Alertmanager's acceptance style, on the service's own clock).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '@ioc/core/testing';
import { loadAlertingConfig } from '../src/config.ts';
import { createAlertingService, type AlertingService } from '../src/index.ts';
import { createSubscriber, listNotifications } from '../src/notify/index.ts';
import { startFakeEsms, type FakeEsms, startFakeWebhook, type FakeWebhook } from '../src/testing/index.ts';
import { logger, startAlertingStack, type AlertingStack } from './stack.ts';

const BY = { actor: 'user:test' };
const WAIT = { timeout: 20_000, interval: 20 };
const ESMS = { apiKey: 'esms-key', secretKey: 'esms-secret', brandname: 'IOC_HUE' };
const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const AREA = '19753';

describe('readings to notifications through the alerting service', () => {
  let s: AlertingStack;
  let esms: FakeEsms;
  let hook: FakeWebhook;
  let service: AlertingService;
  const dir = tempDir();
  beforeAll(async () => {
    s = await startAlertingStack();
    esms = await startFakeEsms(ESMS);
    hook = await startFakeWebhook(WEBHOOK_SECRET);
  });
  afterAll(async () => {
    await service?.stop();
    await s.stop();
    await Promise.all([esms.close(), hook.close()]);
    dir.remove();
  });

  it('tells a group after group_wait, its resolution at the next group_interval, once per channel', async () => {
    const rule = await s.rules.create(
      { name: 'Bụi mịn PM2.5 cao', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, severity: 'major', notify: { groupBy: ['areaId'], groupWaitS: 30, groupIntervalS: 60 } },
      BY,
    );
    const subscriber = await createSubscriber(s.db, { name: 'Trực ban Phú Hội', phone: '+84901234567', channels: ['sms', 'webhook'], webhookUrl: `${hook.url}/ioc`, areaIds: [AREA], minSeverity: 'minor', language: 'vi' }, s.clock.now());
    const config = loadAlertingConfig({
      IOC_MQTT_PORT: '0',
      IOC_DATA_DIR: dir.path,
      IOC_LOG_LEVEL: 'silent',
      IOC_ESMS_URL: esms.url,
      IOC_ESMS_API_KEY: ESMS.apiKey,
      IOC_ESMS_SECRET_KEY: ESMS.secretKey,
      IOC_ESMS_BRANDNAME: ESMS.brandname,
      IOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    service = createAlertingService({ config, logger, db: s.db, mqttConnect: s.mqttConnect, clock: s.clock, evalIntervalMs: 50 });
    await service.start();
    const one = await s.device({ id: 'air-e2e-1', kind: 'air', areaId: AREA });
    const two = await s.device({ id: 'air-e2e-2', kind: 'air', areaId: AREA });
    const t0 = s.clock.now();
    const alertsOf = async () => (await s.db.query<{ id: string; device_id: string; state: string }>('SELECT id, device_id, state FROM alerts WHERE rule_id = $1 ORDER BY device_id', [rule.id])).rows;

    // The stack waits for evaluations of its own service only: this test waits for each alert itself.
    await s.read(one, { pm25: 80 });
    await vi.waitFor(async () => expect((await alertsOf()).map((a) => a.state)).toEqual(['firing']), WAIT);
    s.clock.advance(10_000);
    await s.read(two, { pm25: 95 });
    await vi.waitFor(async () => expect((await alertsOf()).map((a) => a.state)).toEqual(['firing', 'firing']), WAIT);
    // The dispatcher has placed both in one group due at t0 + 30 s: nothing is sent before.
    await vi.waitFor(async () => {
      const groups = (await s.db.query<{ flush_at: Date }>('SELECT flush_at FROM notification_groups WHERE rule_id = $1', [rule.id])).rows;
      expect(groups.map((g) => g.flush_at.getTime())).toEqual([t0 + 30_000]);
      expect((await s.db.query('SELECT 1 FROM notification_events WHERE rule_id = $1 AND group_key IS NULL', [rule.id])).rows).toEqual([]);
    }, WAIT);
    expect(esms.messages).toEqual([]);

    s.clock.advance(20_000); // t0 + 30 s
    await vi.waitFor(() => expect(esms.messages).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(hook.deliveries).toHaveLength(1), WAIT);
    expect(esms.messages[0]?.phone).toBe('84901234567');
    expect(esms.messages[0]?.content).toMatch(/^\[IOC Huế\] Cảnh báo NGHIÊM TRỌNG: 2 cảnh báo: /);
    expect((hook.deliveries[0]?.body.alerts as { deviceId: string }[]).map((a) => a.deviceId).sort()).toEqual(['air-e2e-1', 'air-e2e-2']);

    // air-e2e-1 clears at t0 + 40 s: told at the group's next interval, t0 + 90 s, to the same channels.
    s.clock.advance(10_000);
    await s.read(one, { pm25: 10 });
    await vi.waitFor(async () => expect((await alertsOf()).map((a) => a.state)).toEqual(['resolved', 'firing']), WAIT);
    await vi.waitFor(async () => {
      const group = (await s.db.query<{ flush_at: Date }>('SELECT flush_at FROM notification_groups WHERE rule_id = $1', [rule.id])).rows[0];
      expect(group?.flush_at.getTime()).toBe(t0 + 90_000);
    }, WAIT);
    expect(esms.messages).toHaveLength(1);
    s.clock.advance(50_000); // t0 + 90 s
    await vi.waitFor(() => expect(esms.messages).toHaveLength(2), WAIT);
    await vi.waitFor(() => expect(hook.deliveries).toHaveLength(2), WAIT);
    expect(esms.messages[1]?.content).toMatch(/^\[IOC Huế\] Đã kết thúc NGHIÊM TRỌNG: /);
    const [resolved] = await alertsOf();
    const told = await listNotifications(s.db, { alertId: resolved?.id });
    expect(told.map((n) => [n.kind, n.channel, n.status, n.subscriberId]).sort()).toEqual([
      ['firing', 'sms', 'sent', subscriber.id],
      ['firing', 'webhook', 'sent', subscriber.id],
      ['resolved', 'sms', 'sent', subscriber.id],
      ['resolved', 'webhook', 'sent', subscriber.id],
    ]);
    expect(esms.requests).toBe(2);
    expect(await service.health()).toMatchObject({ notifications: { channels: { sms: 'ready', webhook: 'ready' } } });
  });
});
