/**
 * Alerting benchmark (`npx ioc bench alerting`): readings over a threshold and anomalies on ioc/v1/anomalies →
 * alerts → notifications at the local eSMS and webhook receivers, through `ioc start gateway`, `ioc start ingest` and
 * `ioc start alerting`, each its own process, on a throwaway PostgreSQL. Subscribers and rules are created by the
 * functions the API calls. Each device causes two conditions (one reading over the level, one anomaly raised), each
 * an alert in its own notification group (group_by deviceId, group_wait 0), told to every subscriber on SMS and
 * webhook. The alerting service is killed with SIGKILL and started again mid-run (`--kills`) while the devices go on
 * publishing. After a drain, the providers' accepted messages are counted by idempotency key: duplicates (a key
 * accepted twice, or two keys for one alert × subscriber × channel × kind), lost (expected, never accepted) and the
 * time from the condition (the reading or anomaly published) to the provider's acceptance.
 *
 * Peer, in the same run: the notifier alone. As many alerts again are opened straight through the lifecycle (the
 * call the rule engine makes, in the bench process), which fills the outbox without the bus and the rule engine; the
 * running service's notifier drains it. Its rate beside the whole path's says whether the time goes to delivery or
 * to everything before it.
 *
 * Options: --devices N (200; 2 conditions each), --subscribers N (10), --rate conditions/s (30), --kills N (1),
 * --provider-latency ms (20: the providers' answer time), --drain-stall S (30: the drain ends when nothing more is
 * accepted for this long), --peer-alerts N (as many as the run's conditions; 0 skips the peer), --profile (the
 * hottest functions of the alerting service's last incarnation, over the whole path and the peer).
 */
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import { createDevices, createLogger, openDb, systemClock, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, tempDir } from '@ioc/core/testing';
import { createAlertLifecycle, createAlertRules, createSubscriber } from '@ioc/alerting';
import { startFakeEsms, startFakeWebhook, type FakeEsms, type FakeWebhook } from '@ioc/alerting/testing';
import { connectDevice, line, option, processTreeCpuSeconds } from './common.ts';
import { runLoad } from './alerting/load.ts';
import { topFunctions } from './gateway/process.ts';
import { startStack, type Stack } from './alerting/stack.ts';
import { p99, tally, type Accepted, type Condition, type Tally } from './alerting/tally.ts';

const TARGETS = { notifications_per_s: 500, duplicates: 0, lost: 0 };
const CHANNELS = ['sms', 'webhook'] as const;
const AREA = '19753';
const ESMS = { apiKey: 'bench-esms-key', secretKey: 'bench-esms-secret', brandname: 'IOC_HUE' };
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

const OPTIONS = {
  devices: option('devices', 200),
  subscribers: option('subscribers', 10),
  rate: option('rate', 30),
  kills: option('kills', 1, 0),
  providerLatencyMs: option('provider-latency', 20, 0),
  drainStallS: option('drain-stall', 30),
};
const PEER_ALERTS = option('peer-alerts', OPTIONS.devices * 2, 0);
const PROFILE = process.argv.includes('--profile');

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const load = () => loadavg().map((l) => round(l, 2));

/** What the providers accepted from the `from`-th message (SMS) and delivery (webhook) on. */
function accepted(providers: { esms: FakeEsms; hook: FakeWebhook }, from = { sms: 0, hook: 0 }): Accepted[] {
  return [
    ...providers.esms.messages.slice(from.sms).map((m) => ({ key: m.requestId, acceptedAt: m.acceptedAt })),
    ...providers.hook.deliveries.slice(from.hook).map((d) => ({ key: d.key, acceptedAt: d.acceptedAt })),
  ];
}

/** Until `count()` reaches `expected`, or nothing more is accepted for the drain's stall period. */
async function drain(count: () => number, expected: number): Promise<void> {
  let last = count();
  for (let lastChange = Date.now(); count() < expected && Date.now() - lastChange < OPTIONS.drainStallS * 1000; ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (count() !== last) (last = count()), (lastChange = Date.now());
  }
}

function summarise(name: string, result: Tally, extra: Record<string, unknown> = {}) {
  const seconds = (result.lastAcceptedAt - result.firstAt) / 1000;
  const record = {
    run: name,
    expected: result.expected,
    delivered: result.delivered,
    duplicates: result.duplicates,
    lost: result.lost,
    unexpected: result.unexpected,
    seconds: round(seconds, 1),
    notifications_per_s: seconds > 0 ? Math.round(result.delivered / seconds) : 0,
    p50_ms: result.latenciesMs.length ? Math.round([...result.latenciesMs].sort((a, b) => a - b)[Math.floor(result.latenciesMs.length / 2)] as number) : null,
    p99_ms: p99(result.latenciesMs),
    ...extra,
  };
  line(record);
  return record;
}

/** The whole path: devices and analytics publish, the service fires alerts and its notifier tells the subscribers. */
async function wholePath(db: Db, stack: Stack, rules: { threshold: string; anomaly: string }, subscriberIds: string[], providers: { esms: FakeEsms; hook: FakeWebhook }) {
  const registered = await createDevices(db, Array.from({ length: OPTIONS.devices }, (_, i) => ({ id: `bench-air-${String(i).padStart(5, '0')}`, kind: 'air', areaId: AREA })));
  if (!registered.ok) throw new Error(`registering devices failed: ${registered.errors[0]?.message}`);
  const devices = await Promise.all(registered.created.map(async ({ device, token }) => ({ id: device.id, client: await connectDevice(stack.mqttUrl, { id: device.id, token }) })));
  const analytics = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'svc:bench-analytics/anomalies', username: 'svc:bench-analytics', password: stack.serviceToken });
  const cpuBefore = stack.cpuSeconds();
  // This process too: the providers and the devices share the machine with what is measured.
  const benchCpuBefore = process.cpuUsage();
  const expected = OPTIONS.devices * 2 * subscriberIds.length * CHANNELS.length;
  const result = await runLoad({ devices, analytics, thresholdRuleId: rules.threshold, anomalyRuleId: rules.anomaly, rate: OPTIONS.rate, kills: OPTIONS.kills, restartAlerting: () => stack.restartAlerting() });
  line({ run: 'whole-path', published: result.conditions.length, restarts: result.restarts, down_ms: result.downMs, load_average: load() });
  await drain(() => providers.esms.messages.length + providers.hook.deliveries.length, expected);
  const cpuAfter = { ...stack.cpuSeconds(), bench: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(benchCpuBefore)) };
  for (const client of [...devices.map((d) => d.client), analytics]) await client.endAsync();
  const counted = await tally(db, accepted(providers), result.conditions, subscriberIds, [...CHANNELS]);
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([name, s]) => [name, round(s - (cpuBefore[name] ?? 0), 1)]));
  return { ...summarise('whole-path', counted, { restarts: result.restarts, down_ms: result.downMs, cpu_s: cpu }), restarts: result.restarts, downMs: result.downMs, cpu };
}

/** The peer: alerts opened straight through the lifecycle, the running service's notifier drains the outbox. */
async function notifierAlone(db: Db, ruleId: string, subscriberIds: string[], providers: { esms: FakeEsms; hook: FakeWebhook }) {
  const registered = await createDevices(db, Array.from({ length: PEER_ALERTS }, (_, i) => ({ id: `bench-peer-${String(i).padStart(5, '0')}`, kind: 'air', areaId: AREA })));
  if (!registered.ok) throw new Error(`registering devices failed: ${registered.errors[0]?.message}`);
  const before = { sms: providers.esms.messages.length, hook: providers.hook.deliveries.length };
  const lifecycle = createAlertLifecycle({ db, clock: systemClock, logger: createLogger({ level: 'warn' }), publish: async () => {} });
  const conditions: Condition[] = [];
  for (const { device } of registered.created) {
    const at = Date.now();
    await lifecycle.fire({
      ruleId,
      fingerprint: `${ruleId}:device:${device.id}`,
      deviceId: device.id,
      areaId: AREA,
      kind: 'air',
      metric: 'pm25',
      value: 150,
      unit: 'µg/m³',
      severity: 'major',
      titleVi: `[Nghiêm trọng] Bụi PM2.5 vượt ngưỡng tại thiết bị ${device.id}`,
      titleEn: `[Major] PM2.5 above the threshold at device ${device.id}`,
      textVi: `Bụi PM2.5 tại thiết bị ${device.id} là 150 µg/m³, vượt ngưỡng 100 µg/m³.`,
      textEn: `pm25 at device ${device.id} is 150 µg/m³, above the threshold of 100 µg/m³.`,
    });
    conditions.push({ ruleId, deviceId: device.id, at });
  }
  const expected = PEER_ALERTS * subscriberIds.length * CHANNELS.length;
  const count = () => providers.esms.messages.length - before.sms + providers.hook.deliveries.length - before.hook;
  await drain(count, expected);
  return summarise('notifier-alone', await tally(db, accepted(providers, before), conditions, subscriberIds, [...CHANNELS]));
}

async function main(): Promise<void> {
  if (!postgresAvailable()) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  line({ bench: 'alerting', ...OPTIONS, peer_alerts: PEER_ALERTS, load_average: load() });
  const postgres = await startPostgres();
  const db = await openDb({ databaseUrl: postgres.url, dataDir: '' });
  const esms = await startFakeEsms(ESMS, OPTIONS.providerLatencyMs);
  const hook = await startFakeWebhook(WEBHOOK_SECRET, OPTIONS.providerLatencyMs);
  let stack: Stack | undefined;
  const profileDir = PROFILE ? tempDir('ioc-bench-alerting-profile-') : undefined;
  try {
    // Rules and subscribers by the functions the API calls, before the service starts (it reads them at start;
    // a rule made later reaches it by its announcement on the bus).
    const alertRules = createAlertRules({ db, clock: systemClock, logger: createLogger({ level: 'warn' }), announce: async () => {} });
    const actor = { actor: 'user:bench' };
    const threshold = await alertRules.create({ name: 'PM2.5 over 100', type: 'threshold', metric: 'pm25', above: 100, severity: 'major' }, actor);
    const anomaly = await alertRules.create({ name: 'Pollution episode', type: 'anomaly', labels: ['episode'], severity: 'major' }, actor);
    const subscriberIds: string[] = [];
    for (let i = 0; i < OPTIONS.subscribers; i++) {
      const input = { name: `Bench ${i}`, phone: `+8490${String(1_000_000 + i).padStart(7, '0')}`, channels: [...CHANNELS], webhookUrl: `${hook.url}/s/${i}`, minSeverity: 'info' as const, language: 'vi' as const };
      subscriberIds.push((await createSubscriber(db, input, Date.now())).id);
    }
    stack = await startStack({
      databaseUrl: postgres.url,
      profileDir: profileDir?.path,
      notifyEnv: {
        IOC_ESMS_URL: esms.url,
        IOC_ESMS_API_KEY: ESMS.apiKey,
        IOC_ESMS_SECRET_KEY: ESMS.secretKey,
        IOC_ESMS_BRANDNAME: ESMS.brandname,
        IOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
        // One group per alert, told at once: every condition is its own notification.
        IOC_NOTIFY_GROUP_BY: 'deviceId',
        IOC_NOTIFY_GROUP_WAIT_S: '0',
        // The providers' own limits are a contract's, not the pipeline's: unlimited here.
        IOC_ESMS_RATE: '0',
        IOC_WEBHOOK_RATE: '0',
        // Rows the killed process had claimed are taken again after this (60 s by default).
        IOC_NOTIFY_LEASE_S: '10',
      },
    });
    const postgresCpu = processTreeCpuSeconds(postgres.pid() ?? 0);
    const ours = await wholePath(db, stack, { threshold: threshold.id, anomaly: anomaly.id }, subscriberIds, { esms, hook });
    const postgresCpuS = round(processTreeCpuSeconds(postgres.pid() ?? 0) - postgresCpu, 1);
    const peer = PEER_ALERTS > 0 ? await notifierAlone(db, threshold.id, subscriberIds, { esms, hook }) : undefined;
    line({
      summary: 'alerting',
      notifications_per_s: ours.notifications_per_s,
      duplicates: ours.duplicates,
      lost: ours.lost,
      p99_ms: ours.p99_ms,
      p50_ms: ours.p50_ms,
      restarts: ours.restarts,
      down_ms: ours.downMs,
      expected: ours.expected,
      delivered: ours.delivered,
      unexpected: ours.unexpected,
      offered_per_s: OPTIONS.rate * OPTIONS.subscribers * CHANNELS.length,
      peer: 'notifier alone: as many alerts opened through the lifecycle, the outbox drained by the same running service',
      peer_notifications_per_s: peer?.notifications_per_s ?? null,
      peer_duplicates: peer?.duplicates ?? null,
      peer_lost: peer?.lost ?? null,
      peer_p99_ms: peer?.p99_ms ?? null,
      cpu_s: { ...ours.cpu, postgres: postgresCpuS },
      esms_requests: esms.requests,
      webhook_requests: hook.requests,
      ...OPTIONS,
      load_average: load(),
      targets: TARGETS,
    });
  } finally {
    await stack?.stop();
    if (profileDir) {
      line({ process: 'alerting', profile: topFunctions(profileDir.path, 30) });
      profileDir.remove();
    }
    await Promise.all([esms.close(), hook.close()]);
    await db.close();
    await postgres.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
