import { findArea, type Area } from './areas.ts';
import { recordAuditEvents } from './audit.ts';
import type { BusAnnouncement } from './bus-announcements.ts';
import type { Clock } from './clock.ts';
import { registryRecordOf } from './contracts/registry.ts';
import type { CredentialChangeKind } from './credential-changes.ts';
import type { Db } from './db/types.ts';
import {
  createDevice,
  createDevices,
  deleteDevice,
  getDevice,
  revokeDeviceToken,
  rotateDeviceToken,
  updateDevice,
  type BulkDeviceError,
  type Device,
  type DeviceChanges,
  type NewDevice,
} from './devices.ts';
import type { Logger } from './logger.ts';

/** Who makes a change, for the audit log: `user:<username>` with the request's address, or `cli`. */
export interface RegistryActor {
  actor: string;
  remoteAddress?: string | null;
}

export interface DeviceRegistryDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Publishes records and credential changes on the bus (bus-announcements.ts); rejects when it cannot. */
  announce: (announcement: BusAnnouncement) => Promise<void>;
  /** The province's areas (IOC_AREAS_DIR), to find a device's commune from its location. */
  areas: Area[];
}

/** Whether the bus was told: when false the change is stored, but running services learn it only at the gateway's next start. */
type Told = { gatewayNotified: boolean };


const record = (device: Device) => ({ id: device.id, record: registryRecordOf(device) });

/**
 * The device registry's use-cases, each validate → write → audit → announce: the HTTP routes and the CLI are thin
 * adapters over these. Every change publishes the device's record, retained, on `ioc/v1/registry/devices/{id}`
 * (empty once deleted), and the credential changes that close open connections.
 */
export function createDeviceRegistry(deps: DeviceRegistryDeps) {
  const { db, clock, logger, announce, areas } = deps;

  /** The commune containing the location, when the area is not given (a device placed by lat/lon alone). */
  function withArea<T extends { areaId?: string | null; lat?: number | null; lon?: number | null }>(device: T): T {
    if (device.areaId !== undefined || device.lat == null || device.lon == null) return device;
    return { ...device, areaId: findArea(device.lon, device.lat, areas)?.id };
  }

  const audit = (by: RegistryActor, action: string, target: string, detail: Record<string, unknown> = {}) =>
    recordAuditEvents(db, [{ ts: clock.now(), actor: by.actor, action, target, remoteAddress: by.remoteAddress ?? null, detail }]);

  async function tell(announcement: BusAnnouncement): Promise<boolean> {
    try {
      await announce(announcement);
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'a registry change was stored but not announced on the bus');
      return false;
    }
  }

  const credential = (username: string, change: CredentialChangeKind) => ({ username, change, ts: clock.now() });

  return {
    /** Registers a device (its commune found from lat/lon when no area is given); the token is returned once. */
    async register(input: NewDevice, by: RegistryActor): Promise<{ device: Device; token: string } & Told> {
      const { device, token } = await createDevice(db, withArea(input));
      await audit(by, 'device.create', device.id, { kind: device.kind });
      return { device, token, gatewayNotified: await tell({ records: [record(device)] }) };
    },

    /** Registers many devices, all or nothing; every refusal is returned, by index. */
    async registerMany(
      inputs: readonly NewDevice[],
      by: RegistryActor,
    ): Promise<({ ok: true; created: Array<{ device: Device; token: string }> } & Told) | { ok: false; errors: BulkDeviceError[] }> {
      const result = await createDevices(db, inputs.map(withArea));
      if (!result.ok) return result;
      await audit(by, 'device.create', 'bulk', { count: result.created.length, ids: result.created.map((c) => c.device.id) });
      return { ...result, gatewayNotified: await tell({ records: result.created.map(({ device }) => record(device)) }) };
    },

    /** Changes a device; disabling or enabling it is a credential change too. Undefined when it is unknown. */
    async update(id: string, changes: DeviceChanges, by: RegistryActor): Promise<({ device: Device } & Told) | undefined> {
      const before = await getDevice(db, id);
      if (!before) return undefined;
      const located = withArea(changes);
      const device = await updateDevice(db, id, located);
      if (!device) return undefined;
      await audit(by, 'device.update', id, { changes: located });
      const change = device.enabled === before.enabled ? 'updated' : device.enabled ? 'enabled' : 'disabled';
      return { device, gatewayNotified: await tell({ records: [record(device)], credentials: [credential(id, change)] }) };
    },

    /** Issues a new token (returned once); the old one stops working and its connections close. */
    async rotate(id: string, by: RegistryActor): Promise<({ token: string } & Told) | undefined> {
      const token = await rotateDeviceToken(db, id);
      const device = token && (await getDevice(db, id));
      if (!token || !device) return undefined;
      await audit(by, 'device.rotate', id);
      return { token, gatewayNotified: await tell({ records: [record(device)], credentials: [credential(id, 'rotated')] }) };
    },

    /** Revokes the device's token and closes its connections; it stays out until a new token is issued. */
    async revoke(id: string, by: RegistryActor): Promise<({ device: Device } & Told) | undefined> {
      const device = await revokeDeviceToken(db, id);
      if (!device) return undefined;
      await audit(by, 'device.revoke', id);
      return { device, gatewayNotified: await tell({ records: [record(device)], credentials: [credential(id, 'revoked')] }) };
    },

    /** Removes a device (its telemetry stays) and closes its connections. */
    async remove(id: string, by: RegistryActor): Promise<Told | undefined> {
      if (!(await deleteDevice(db, id))) return undefined;
      await audit(by, 'device.delete', id);
      return { gatewayNotified: await tell({ records: [{ id, record: null }], credentials: [credential(id, 'deleted')] }) };
    },
  };
}

export type DeviceRegistry = ReturnType<typeof createDeviceRegistry>;
