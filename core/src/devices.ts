import type { Db, Queryable } from './db/types.ts';
import { isDeviceKind, type DeviceKind } from './catalogue.ts';
import { generateToken, hashToken } from './secrets.ts';
import { isDeviceId } from './topics.ts';

/** Free-form facts about a device (model, owner, installation notes…). */
export type DeviceAttributes = Record<string, string | number | boolean>;

/** A registered device as stored (no secret). Times are epoch ms. */
export interface Device {
  id: string;
  kind: DeviceKind;
  areaId: string | null;
  lat: number | null;
  lon: number | null;
  attributes: DeviceAttributes;
  enabled: boolean;
  /** When its token was revoked; null while it has a valid token. */
  revokedAt: number | null;
  online: boolean;
  lastSeen: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewDevice {
  id: string;
  kind: string;
  areaId?: string | null;
  lat?: number | null;
  lon?: number | null;
  attributes?: DeviceAttributes;
  enabled?: boolean;
}

/** Changes to a device; omitted fields stay as they are, null clears area or location. */
export type DeviceChanges = Partial<Omit<NewDevice, 'id'>>;

/** A request that breaks a rule of the registry; `code` is stable for API errors. */
export class DeviceError extends Error {
  constructor(
    readonly code: 'invalid_device' | 'device_exists' | 'unknown_area' | 'unknown_device',
    message: string,
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** Epoch ms of a timestamptz column in SQL (whole ms), or null. */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)`;

/**
 * A devices row as a Device, built in SQL: the one mapping every read uses (a list of 10,000 comes back as one
 * JSON value, which PGlite hands over several times faster than 10,000 rows of 12 columns).
 */
const DEVICE_JSON = `json_build_object('id', id, 'kind', kind, 'areaId', area_id, 'lat', lat, 'lon', lon, 'attributes', attributes,
  'enabled', enabled, 'revokedAt', ${epochMs('revoked_at')}, 'online', online, 'lastSeen', ${epochMs('last_seen')},
  'createdAt', ${epochMs('created_at')}, 'updatedAt', ${epochMs('updated_at')})`;

type DeviceRow = { device: Device };

const MAX_ATTRIBUTES = 50;
const MAX_ATTRIBUTE_KEY = 64;
const MAX_ATTRIBUTE_TEXT = 512;

function validateAttributes(attributes: unknown): void {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new DeviceError('invalid_device', 'attributes must be an object of names to strings, numbers or booleans');
  }
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) throw new DeviceError('invalid_device', `at most ${MAX_ATTRIBUTES} attributes`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_ATTRIBUTE_KEY) {
      throw new DeviceError('invalid_device', `attribute names are 1-${MAX_ATTRIBUTE_KEY} characters ("${key.slice(0, 80)}")`);
    }
    const ok =
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_ATTRIBUTE_TEXT);
    if (!ok) throw new DeviceError('invalid_device', `attribute "${key}" must be a boolean, a finite number or text of at most ${MAX_ATTRIBUTE_TEXT} characters`);
  }
}

function validateLocation(lat: number | null | undefined, lon: number | null | undefined): void {
  if ((lat == null) !== (lon == null)) throw new DeviceError('invalid_device', 'lat and lon go together');
  if (lat != null && !(lat >= -90 && lat <= 90)) throw new DeviceError('invalid_device', `lat ${lat} is outside -90..90`);
  if (lon != null && !(lon >= -180 && lon <= 180)) throw new DeviceError('invalid_device', `lon ${lon} is outside -180..180`);
}

/** Throws the DeviceError a registration would get for `device`, without touching the database. */
export function validateNewDevice(device: NewDevice): void {
  if (typeof device.id !== 'string' || !isDeviceId(device.id)) {
    throw new DeviceError('invalid_device', `device id "${device.id}" must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  if (!isDeviceKind(device.kind)) throw new DeviceError('invalid_device', `unknown device kind "${device.kind}"`);
  validateLocation(device.lat, device.lon);
  if (device.attributes !== undefined) validateAttributes(device.attributes);
}

async function checkAreas(db: Queryable, areaIds: ReadonlyArray<string | null | undefined>): Promise<void> {
  const wanted = [...new Set(areaIds.filter((a): a is string => !!a))];
  if (wanted.length === 0) return;
  const { rows } = await db.query<{ id: string }>('SELECT id FROM areas WHERE id = ANY($1::text[])', [wanted]);
  const known = new Set(rows.map((r) => r.id));
  const missing = wanted.find((id) => !known.has(id));
  if (missing) throw new DeviceError('unknown_area', `unknown area "${missing}"`);
}

async function insertDevice(db: Queryable, device: NewDevice, token: string): Promise<Device | undefined> {
  const { rows } = await db.query<DeviceRow>(
    `INSERT INTO devices (id, kind, area_id, lat, lon, attributes, enabled, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO NOTHING RETURNING ${DEVICE_JSON} AS device`,
    [
      device.id,
      device.kind,
      device.areaId ?? null,
      device.lat ?? null,
      device.lon ?? null,
      JSON.stringify(device.attributes ?? {}),
      device.enabled ?? true,
      hashToken(token),
    ],
  );
  return rows[0]?.device;
}

/** Registers a device and returns its token, which is shown once and stored only as a hash. */
export async function createDevice(db: Queryable, device: NewDevice): Promise<{ device: Device; token: string }> {
  validateNewDevice(device);
  await checkAreas(db, [device.areaId]);
  const token = generateToken();
  const created = await insertDevice(db, device, token);
  if (!created) throw new DeviceError('device_exists', `device "${device.id}" already exists`);
  return { device: created, token };
}

/** One refused entry of a bulk registration; `index` counts from 0 in the given list. */
export interface BulkDeviceError {
  index: number;
  id: string;
  code: DeviceError['code'];
  message: string;
}

/**
 * Registers many devices at once, all or nothing: when any entry is refused (invalid, duplicated in the list,
 * already registered, unknown area) nothing is stored and every refusal is returned.
 */
export async function createDevices(
  db: Db,
  devices: readonly NewDevice[],
): Promise<{ ok: true; created: Array<{ device: Device; token: string }> } | { ok: false; errors: BulkDeviceError[] }> {
  const errors: BulkDeviceError[] = [];
  const seen = new Set<string>();
  devices.forEach((device, index) => {
    try {
      validateNewDevice(device);
      if (seen.has(device.id)) throw new DeviceError('device_exists', `device "${device.id}" appears twice`);
      seen.add(device.id);
    } catch (error) {
      if (!(error instanceof DeviceError)) throw error;
      errors.push({ index, id: String(device.id), code: error.code, message: error.message });
    }
  });
  const { rows: existing } = await db.query<{ id: string }>('SELECT id FROM devices WHERE id = ANY($1::text[])', [[...seen]]);
  const taken = new Set(existing.map((r) => r.id));
  const { rows: areas } = await db.query<{ id: string }>('SELECT id FROM areas');
  const knownAreas = new Set(areas.map((r) => r.id));
  devices.forEach((device, index) => {
    if (taken.has(device.id)) errors.push({ index, id: device.id, code: 'device_exists', message: `device "${device.id}" already exists` });
    if (device.areaId && !knownAreas.has(device.areaId)) {
      errors.push({ index, id: device.id, code: 'unknown_area', message: `unknown area "${device.areaId}"` });
    }
  });
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.index - b.index) };
  const insertAll = async (tx: Queryable) => {
    const created: Array<{ device: Device; token: string }> = [];
    for (const device of devices) {
      const token = generateToken();
      const row = await insertDevice(tx, device, token);
      if (!row) throw new DeviceError('device_exists', `device "${device.id}" already exists`);
      created.push({ device: row, token });
    }
    return created;
  };
  return { ok: true, created: await db.transaction(insertAll) };
}

/** Applies `changes` to a device; undefined when it is unknown. */
export async function updateDevice(db: Queryable, id: string, changes: DeviceChanges): Promise<Device | undefined> {
  const current = await getDevice(db, id);
  if (!current) return undefined;
  const next = {
    kind: changes.kind ?? current.kind,
    areaId: changes.areaId === undefined ? current.areaId : changes.areaId,
    lat: changes.lat === undefined ? current.lat : changes.lat,
    lon: changes.lon === undefined ? current.lon : changes.lon,
    attributes: changes.attributes ?? current.attributes,
    enabled: changes.enabled ?? current.enabled,
  };
  validateNewDevice({ id, ...next });
  await checkAreas(db, [next.areaId]);
  const { rows } = await db.query<DeviceRow>(
    `UPDATE devices SET kind = $2, area_id = $3, lat = $4, lon = $5, attributes = $6, enabled = $7, updated_at = now()
      WHERE id = $1 RETURNING ${DEVICE_JSON} AS device`,
    [id, next.kind, next.areaId, next.lat, next.lon, JSON.stringify(next.attributes), next.enabled],
  );
  return rows[0]?.device;
}

/** Issues a new token for an existing device (the old one stops working); undefined when the device is unknown. */
export async function rotateDeviceToken(db: Queryable, id: string): Promise<string | undefined> {
  const token = generateToken();
  const { rows } = await db.query('UPDATE devices SET token_hash = $2, revoked_at = NULL, updated_at = now() WHERE id = $1 RETURNING id', [
    id,
    hashToken(token),
  ]);
  return rows.length > 0 ? token : undefined;
}

/**
 * Revokes a device's token: the stored hash is replaced by the hash of a secret nobody keeps, so no token
 * works until a new one is issued with rotateDeviceToken. Undefined when the device is unknown.
 */
export async function revokeDeviceToken(db: Queryable, id: string): Promise<Device | undefined> {
  const { rows } = await db.query<DeviceRow>(
    `UPDATE devices SET token_hash = $2, revoked_at = now(), updated_at = now() WHERE id = $1 RETURNING ${DEVICE_JSON} AS device`,
    [id, hashToken(generateToken())],
  );
  return rows[0]?.device;
}

/** Removes a device from the registry (its telemetry stays); false when it is unknown. */
export async function deleteDevice(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM devices WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}

export async function getDevice(db: Queryable, id: string): Promise<Device | undefined> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${DEVICE_JSON} AS device FROM devices WHERE id = $1`, [id]);
  return rows[0]?.device;
}

/** The registry as of one snapshot, and its revision (migration 009: bumped by every change but presence). */
export interface Registry {
  revision: number;
  /** Every device, ordered by id. */
  devices: Device[];
}

/** Every device and the registry's revision, read in one statement (one snapshot). */
export async function readRegistry(db: Queryable): Promise<Registry> {
  const { rows } = await db.query<{ revision: number; devices: Device[] | null }>(
    `SELECT (SELECT revision FROM registry_revision) AS revision, json_agg(${DEVICE_JSON} ORDER BY id) AS devices FROM devices`,
  );
  return { revision: Number(rows[0]?.revision), devices: rows[0]?.devices ?? [] };
}

/** Every device, ordered by id. */
export async function listDevices(db: Queryable): Promise<Device[]> {
  return (await readRegistry(db)).devices;
}

/** The stored token hash and state the gateway needs to authenticate a device. */
export async function getDeviceCredentials(
  db: Queryable,
  id: string,
): Promise<{ tokenHash: string; enabled: boolean; revoked: boolean; kind: DeviceKind } | undefined> {
  const { rows } = await db.query<{ token_hash: string; enabled: boolean; kind: DeviceKind; revoked: boolean }>(
    'SELECT token_hash, enabled, kind, revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row && { tokenHash: row.token_hash, enabled: row.enabled, revoked: row.revoked, kind: row.kind };
}

/** Records a device going online or offline. */
export async function setDeviceOnline(db: Queryable, id: string, online: boolean, at: number): Promise<void> {
  await recordDevicePresence(db, [{ id, online, lastSeen: at }]);
}

/** A device's presence to store: when it was last seen and, when it changed, whether it is online. */
export interface DevicePresence {
  id: string;
  online?: boolean;
  lastSeen: number;
}

/** Stores many presences in one statement; last_seen never moves backwards. */
/**
 * Marks every device that the database still calls online as offline and returns their ids: what a gateway that
 * holds every connection (no cluster) does when it starts, since no device can be connected before it listens
 * and rows left online by a crash would otherwise stay online for ever.
 */
export async function clearStalePresence(db: Queryable): Promise<string[]> {
  const result = await db.query<{ id: string }>('UPDATE devices SET online = false WHERE online RETURNING id');
  return result.rows.map((row) => row.id);
}

export async function recordDevicePresence(db: Queryable, presences: readonly DevicePresence[]): Promise<void> {
  if (presences.length === 0) return;
  await db.query(
    `UPDATE devices AS d SET online = COALESCE(p.online, d.online),
            last_seen = CASE WHEN d.last_seen IS NULL OR p.last_seen > d.last_seen THEN p.last_seen ELSE d.last_seen END
       FROM unnest($1::text[], $2::boolean[], $3::timestamptz[]) AS p (id, online, last_seen)
      WHERE d.id = p.id`,
    [presences.map((p) => p.id), presences.map((p) => p.online ?? null), presences.map((p) => new Date(p.lastSeen).toISOString())],
  );
}
