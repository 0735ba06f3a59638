// The server the HTTP fuzzer attacks: the dashboard app on a real port over an in-memory PGlite, with every route
// (the command path's too, its publishing a no-op), a device of each kind, an account, and an admin's session.
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
  const cookie = await login(server.url, 'admin');
  const document = (await (await fetch(`${server.url}/api/docs/json`, { headers: { cookie } })).json()) as OpenApiDocument;
  return { url: server.url, cookie, known: { id: ids, username: [username], secret: [CALLBACK_SECRET] }, operations: operationsOf(document), close: () => server.close() };
}
