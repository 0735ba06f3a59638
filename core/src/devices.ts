import type { Queryable } from './db/types.ts';
import { isDeviceKind, type DeviceKind } from './catalogue.ts';
import { generateToken, hashToken } from './secrets.ts';
import { isDeviceId } from './topics.ts';

/** A registered device as stored (no secret). */
export interface Device {
  id: string;
  kind: DeviceKind;
  areaId: string | null;
  lat: number | null;
  lon: number | null;
  enabled: boolean;
  online: boolean;
  lastSeen: number | null;
}

export interface NewDevice {
  id: string;
  kind: string;
  areaId?: string | null;
  lat?: number | null;
  lon?: number | null;
}

/** A request that breaks a rule of the registry; `code` is stable for API errors. */
export class DeviceError extends Error {
  constructor(
    readonly code: 'invalid_device' | 'device_exists' | 'unknown_area',
    message: string,
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}

interface DeviceRow {
  id: string;
  kind: DeviceKind;
  area_id: string | null;
  lat: number | null;
  lon: number | null;
  enabled: boolean;
  online: boolean;
  last_seen: Date | null;
}

const COLUMNS = 'id, kind, area_id, lat, lon, enabled, online, last_seen';

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    kind: row.kind,
    areaId: row.area_id,
    lat: row.lat,
    lon: row.lon,
    enabled: row.enabled,
    online: row.online,
    lastSeen: row.last_seen ? row.last_seen.getTime() : null,
  };
}

function validate(device: NewDevice): void {
  if (!isDeviceId(device.id)) {
    throw new DeviceError('invalid_device', `device id "${device.id}" must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  if (!isDeviceKind(device.kind)) throw new DeviceError('invalid_device', `unknown device kind "${device.kind}"`);
  const { lat, lon } = device;
  if ((lat == null) !== (lon == null)) throw new DeviceError('invalid_device', 'lat and lon go together');
  if (lat != null && (lat < -90 || lat > 90)) throw new DeviceError('invalid_device', `lat ${lat} is outside -90..90`);
  if (lon != null && (lon < -180 || lon > 180)) throw new DeviceError('invalid_device', `lon ${lon} is outside -180..180`);
}

/** Registers a device and returns its token, which is shown once and stored only as a hash. */
export async function createDevice(db: Queryable, device: NewDevice): Promise<{ device: Device; token: string }> {
  validate(device);
  if (device.areaId) {
    const { rows } = await db.query('SELECT 1 FROM areas WHERE id = $1', [device.areaId]);
    if (rows.length === 0) throw new DeviceError('unknown_area', `unknown area "${device.areaId}"`);
  }
  const token = generateToken();
  const { rows } = await db.query<DeviceRow>(
    `INSERT INTO devices (id, kind, area_id, lat, lon, token_hash) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [device.id, device.kind, device.areaId ?? null, device.lat ?? null, device.lon ?? null, hashToken(token)],
  );
  const row = rows[0];
  if (!row) throw new DeviceError('device_exists', `device "${device.id}" already exists`);
  return { device: toDevice(row), token };
}

/** Issues a new token for an existing device (the old one stops working); undefined when the device is unknown. */
export async function rotateDeviceToken(db: Queryable, id: string): Promise<string | undefined> {
  const token = generateToken();
  const { rows } = await db.query('UPDATE devices SET token_hash = $2, updated_at = now() WHERE id = $1 RETURNING id', [
    id,
    hashToken(token),
  ]);
  return rows.length > 0 ? token : undefined;
}

export async function getDevice(db: Queryable, id: string): Promise<Device | undefined> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]);
  return rows[0] && toDevice(rows[0]);
}

export async function listDevices(db: Queryable): Promise<Device[]> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices ORDER BY id`);
  return rows.map(toDevice);
}

/** The stored token hash and state the gateway needs to authenticate a device. */
export async function getDeviceCredentials(
  db: Queryable,
  id: string,
): Promise<{ tokenHash: string; enabled: boolean; kind: DeviceKind } | undefined> {
  const { rows } = await db.query<{ token_hash: string; enabled: boolean; kind: DeviceKind }>(
    'SELECT token_hash, enabled, kind FROM devices WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row && { tokenHash: row.token_hash, enabled: row.enabled, kind: row.kind };
}

/** Records a device going online or offline. */
export async function setDeviceOnline(db: Queryable, id: string, online: boolean, at: number): Promise<void> {
  await db.query('UPDATE devices SET online = $2, last_seen = $3 WHERE id = $1', [id, online, new Date(at).toISOString()]);
}
