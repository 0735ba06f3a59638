import type { RegistryRecord } from '@ioc/core/contracts';
import { toEpochMs } from './format.ts';
import type { DeviceItem, Metrics, StatusEvent, TelemetryEvent } from './types.ts';

/** A reading older than this makes an online device "stale". */
export const STALE_AFTER_MS = 60_000;

export type DeviceState = 'fresh' | 'stale' | 'offline';

export interface Device {
  id: string;
  kind: string;
  areaId: string | null;
  /** [lon, lat], or null for a device registered without a location. */
  position: [number, number] | null;
  online: boolean;
  /** Epoch ms of the latest reading, null before the first. */
  latestTs: number | null;
  metrics: Metrics;
}

export interface FleetSummary {
  total: number;
  online: number;
  offline: number;
  stale: number;
  fresh: number;
}

export function deviceState(device: Device, now: number): DeviceState {
  if (!device.online) return 'offline';
  return device.latestTs !== null && now - device.latestTs <= STALE_AFTER_MS ? 'fresh' : 'stale';
}

function fromItem(item: DeviceItem): Device {
  const located = typeof item.lat === 'number' && typeof item.lon === 'number';
  return {
    id: item.id,
    kind: item.kind,
    areaId: item.areaId,
    position: located ? [item.lon as number, item.lat as number] : null,
    online: item.online,
    latestTs: toEpochMs(item.latest?.ts),
    metrics: { ...(item.latest?.metrics ?? {}) },
  };
}

/**
 * The devices the wall shows and their live state. Plain (non-reactive) on purpose: live messages mutate it in
 * batches and the view re-reads it once per batch.
 */
export class Fleet {
  readonly devices = new Map<string, Device>();
  /** Devices with a position, in a stable order: the data of the map layer. */
  located: Device[] = [];
  /** Ids of the most recently updated devices, newest first. */
  recentIds: string[] = [];
  /** Live messages applied since the page loaded. */
  updates = 0;

  constructor(private readonly recentLimit = 12) {}

  /** Replaces everything with a fresh snapshot from the API. */
  load(items: DeviceItem[]): void {
    this.devices.clear();
    for (const item of items) this.devices.set(item.id, fromItem(item));
    this.located = [...this.devices.values()].filter((d) => d.position !== null);
    this.recentIds = [...this.devices.values()]
      .filter((d) => d.latestTs !== null)
      .sort((a, b) => (b.latestTs as number) - (a.latestTs as number))
      .slice(0, this.recentLimit)
      .map((d) => d.id);
  }

  /** Applies one telemetry message; false when the device is unknown (it appears on the next snapshot). */
  applyTelemetry(event: TelemetryEvent): boolean {
    const device = this.devices.get(event.deviceId);
    const ts = toEpochMs(event.ts);
    if (!device || ts === null) return false;
    if (device.latestTs === null || ts >= device.latestTs) {
      device.latestTs = ts;
      Object.assign(device.metrics, event.metrics);
    }
    this.updates++;
    this.touch(device.id);
    return true;
  }

  applyStatus(event: StatusEvent): boolean {
    const device = this.devices.get(event.deviceId);
    if (!device) return false;
    device.online = event.online;
    this.updates++;
    return true;
  }

  /** Applies a registry change: a new device joins (offline, no reading yet), a changed one moves, a deleted one goes. */
  applyRecord(id: string, record: RegistryRecord | null): void {
    const device = this.devices.get(id);
    if (!record) this.devices.delete(id);
    else if (device) {
      device.kind = record.kind;
      device.areaId = record.areaId;
      device.position = record.lat !== null && record.lon !== null ? [record.lon, record.lat] : null;
    } else this.devices.set(id, fromItem({ ...record, online: false, latest: null }));
    this.located = [...this.devices.values()].filter((d) => d.position !== null);
    this.recentIds = this.recentIds.filter((recent) => this.devices.has(recent));
    this.updates++;
  }

  summary(now: number): FleetSummary {
    const summary: FleetSummary = { total: this.devices.size, online: 0, offline: 0, stale: 0, fresh: 0 };
    for (const device of this.devices.values()) {
      const state = deviceState(device, now);
      summary[state]++;
      if (device.online) summary.online++;
    }
    return summary;
  }

  recent(): Device[] {
    return this.recentIds.map((id) => this.devices.get(id)).filter((d): d is Device => d !== undefined);
  }

  private touch(id: string): void {
    const index = this.recentIds.indexOf(id);
    if (index >= 0) this.recentIds.splice(index, 1);
    this.recentIds.unshift(id);
    if (this.recentIds.length > this.recentLimit) this.recentIds.length = this.recentLimit;
  }
}
