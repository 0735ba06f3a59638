import { listAnomalyEvents, readDeviceStates, readRegistry, type Db, type Device, type DeviceState, type StoredAnomalyEvent } from '@ioc/core';

/** `full`: every field of DeviceItem (API clients); `map`: what the wall map draws (MapDeviceItem). */
export type DeviceListView = 'full' | 'map';

/** The registry as of one revision, each device's registered facts already JSON: its object without the closing brace. */
interface Snapshot {
  revision: number;
  ids: string[];
  heads: Record<DeviceListView, string[]>;
}

function heads(devices: readonly Device[]): Snapshot['heads'] {
  const open = (fields: object) => JSON.stringify(fields).slice(0, -1);
  return {
    full: devices.map(({ id, kind, areaId, lat, lon, attributes, enabled, revokedAt, createdAt, updatedAt }) =>
      open({ id, kind, areaId, lat, lon, attributes, enabled, revokedAt, createdAt, updatedAt }),
    ),
    map: devices.map(({ id, kind, areaId, lat, lon }) => open({ id, kind, areaId, lat, lon })),
  };
}

const UNSEEN: DeviceState = { online: false, lastSeen: null, latest: null };

/** Alarms still raised, as each device's `anomalies` JSON (newest first). */
function anomaliesByDevice(active: readonly StoredAnomalyEvent[]): Map<string, string> {
  const byDevice = new Map<string, Array<{ label: string; metric: string | null; score: number; since: number }>>();
  for (const a of active) {
    let list = byDevice.get(a.deviceId);
    if (!list) byDevice.set(a.deviceId, (list = []));
    list.push({ label: a.label, metric: a.metric, score: a.score, since: a.ts });
  }
  return new Map([...byDevice].map(([id, list]) => [id, JSON.stringify(list)]));
}

/**
 * GET /api/devices as JSON text, fast for 10,000 devices (bench history: devices_api, devices_map). The registry changes rarely: it is kept in
 * memory, each device's fields serialised once, and read again only when the database's registry revision moved
 * (migration 009, bumped by every registration, change and removal from any process). What changes all the time —
 * presence and latest readings, and for the full view the raised alarms — is read on every request as one text
 * value (readDeviceStates) and spliced in: the stored metrics go out as stored, nothing is parsed and serialised again.
 */
export function createDeviceList(db: Db): { json(view: DeviceListView): Promise<string> } {
  let snapshot: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;

  async function load(): Promise<Snapshot> {
    const { revision, devices } = await readRegistry(db);
    return { revision, ids: devices.map((d) => d.id), heads: heads(devices) };
  }

  /** The snapshot of `revision` (or newer, when the registry changed again meanwhile); concurrent requests share one read. */
  async function registry(revision: number): Promise<Snapshot> {
    if (snapshot && snapshot.revision >= revision) return snapshot;
    loading ??= load().finally(() => (loading = undefined));
    snapshot = await loading;
    return snapshot;
  }

  return {
    async json(view) {
      const [current, active] = await Promise.all([readDeviceStates(db), view === 'full' ? listAnomalyEvents(db, { active: true, limit: 100_000 }) : []]);
      let { states } = current;
      const registered = await registry(current.revision);
      // Read after a change: presence of the same revision, so that devices and states match.
      if (registered.revision !== current.revision) states = (await readDeviceStates(db)).states;
      const alarms = anomaliesByDevice(active);
      const items = new Array<string>(registered.ids.length);
      const head = registered.heads[view];
      registered.ids.forEach((id, i) => {
        const state = states.get(id) ?? UNSEEN;
        const latest = state.latest ? `{"ts":${state.latest.ts},"metrics":${state.latest.metricsJson}}` : 'null';
        if (view === 'map') {
          items[i] = `${head[i]},"online":${state.online},"latest":${latest}}`;
          return;
        }
        const seen = Math.max(state.lastSeen ?? -Infinity, state.latest?.ts ?? -Infinity);
        items[i] = `${head[i]},"online":${state.online},"lastSeen":${Number.isFinite(seen) ? seen : null},"latest":${latest},"anomalies":${alarms.get(id) ?? '[]'}}`;
      });
      return `{"items":[${items.join(',')}]}`;
    },
  };
}
