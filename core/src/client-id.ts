import { isDeviceId } from './topics.ts';

/**
 * MQTT client ids belong to logins, so that no login can take over another's connection or persistent session
 * (the gateway refuses any other id with CONNACK 2, "identifier rejected"):
 * - a device's client id is its id (its username): one session per device;
 * - an account's (`svc:<name>`, `int:<name>`, `admin:<name>`) is its username, alone or followed by '/' and a
 *   suffix of its choosing (`svc:ingest/ioc-ingest-p2of4`), so one account may hold several connections.
 * No username contains '/' (names are letters, digits, '.', '_', '-'), so one account's ids never fall among another's:
 * with '-' as the separator, `int:frigate` could take `int:frigate-2`'s ids.
 */
const ACCOUNT_SEPARATOR = '/';

/** The client id of the login `username` with `suffix`: a device's id itself, an account's `<username>/<suffix>`. */
export function clientIdOf(username: string, suffix: string): string {
  return isDeviceId(username) ? username : username + ACCOUNT_SEPARATOR + suffix;
}

/** Whether `clientId` belongs to the login `username` (see above). Device ids never contain ':', account usernames always do. */
export function clientIdBelongsTo(clientId: string, username: string): boolean {
  if (isDeviceId(username)) return clientId === username;
  return clientId.startsWith(username) && (clientId.length === username.length || clientId[username.length] === ACCOUNT_SEPARATOR);
}
