// The server the HTTP fuzzer attacks: the dashboard app on a real port over an in-memory PGlite, with every route
// (the command path's too, its publishing a no-op), a device of each kind, an account, an alert rule and an alert,
// and an admin's session.
import { createAlertLifecycle, createAlertRules } from '@ioc/alerting';
import { createDevice, createDeviceCommands, createLogger, createMqttAccount, DEVICE_KIND_NAMES } from '@ioc/core';
import { login, openTestServer } from '../../ioc-dashboard/test/http-server.ts';
import { operationsOf, type HttpFuzzTarget, type HttpOperation, type OpenApiDocument } from './http.ts';

/** The providers' callback secret, known to the fuzzer so that it reaches the receipt handlers, not only their 404. */
const CALLBACK_SECRET = 'fuzz-callback-secret-0123456789';

export interface OpenedHttpFuzzTarget extends HttpFuzzTarget {
  operations: HttpOperation[];
  close(): Promise<void>;
}

export async function openHttpFuzzTarget(): Promise<OpenedHttpFuzzTarget> {
  const logger = createLogger({ level: 'silent' });
  const server = await openTestServer({
    logger,
    commands: ({ db, clock }) => createDeviceCommands({ db, clock, logger, publish: async () => {}, onChange: () => {} }),
    providerCallbackSecret: CALLBACK_SECRET,
  });
  const ids = DEVICE_KIND_NAMES.map((kind) => `${kind}-fuzz`);
  for (const [i, kind] of DEVICE_KIND_NAMES.entries()) await createDevice(server.db, { id: ids[i] as string, kind, lat: 16.46, lon: 107.59 });
  const { username } = await createMqttAccount(server.db, { name: 'fuzz', role: 'integration', topicRoot: 'fuzz' });
  // An alert and an alert rule, so the fuzzer reaches their handlers and not only their 404.
  const rule = await createAlertRules({ db: server.db, clock: server.clock, logger, announce: async () => {} }).create({ name: 'fuzz', type: 'offline', severity: 'info' }, { actor: 'user:admin' });
  const alert = await createAlertLifecycle({ db: server.db, clock: server.clock, logger, publish: async () => {} }).fire({
    ruleId: rule.id, fingerprint: 'fuzz', severity: 'info', deviceId: ids[0] as string, areaId: null, kind: 'air', metric: null, value: null, unit: null, titleVi: 'fuzz', titleEn: 'fuzz', textVi: 'fuzz', textEn: 'fuzz',
  });
  const cookie = await login(server.url, 'admin');
  const document = (await (await fetch(`${server.url}/api/docs/json`, { headers: { cookie } })).json()) as OpenApiDocument;
  return { url: server.url, cookie, known: { id: [...ids, rule.id, alert!.id], username: [username], secret: [CALLBACK_SECRET] }, operations: operationsOf(document), close: () => server.close() };
}
