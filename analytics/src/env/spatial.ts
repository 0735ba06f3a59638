/**
 * Space as a city operator uses it: when a stream raises an anomaly, its neighbours (devices within `radiusKm`
 * reporting the same metric) tell what it is. If a neighbour was also unusual lately, the stations move together:
 * a real `episode` (pollution, flood). If neighbours report and none is unusual, the station departs from them
 * alone: a `sensor_fault` (spike, stuck, drift, dropout). Without reporting neighbours it stays an `anomaly`.
 */
export type AnomalyLabel = 'episode' | 'sensor_fault' | 'anomaly';

export interface SpatialOptions {
  radiusKm: number;
  /** How far apart in time a neighbour's readings still count, in ms. */
  recentMs: number;
  /** A neighbour's likelihood at or above this makes it "unusual". */
  unusual: number;
}

export const DEFAULT_SPATIAL: SpatialOptions = { radiusKm: 10, recentMs: 15 * 60_000, unusual: 0.95 };

export interface Place {
  lat: number;
  lon: number;
}

export function distanceKm(a: Place, b: Place): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

interface Seen {
  lastTs: number;
  lastUnusualTs: number;
}

export function createSpatialContext(options: SpatialOptions = DEFAULT_SPATIAL) {
  const places = new Map<string, Place>();
  const seen = new Map<string, Map<string, Seen>>();

  return {
    place(deviceId: string, place: Place | undefined): void {
      if (place) places.set(deviceId, place);
    },
    /** Notes one scored reading of a device's metric. */
    record(deviceId: string, metric: string, ts: number, likelihood: number): void {
      let byDevice = seen.get(metric);
      if (!byDevice) seen.set(metric, (byDevice = new Map()));
      const previous = byDevice.get(deviceId);
      const unusual = likelihood >= options.unusual;
      byDevice.set(deviceId, { lastTs: ts, lastUnusualTs: unusual ? ts : (previous?.lastUnusualTs ?? Number.NEGATIVE_INFINITY) });
    },
    /**
     * Whether the label for a reading at `ts` can be decided: no neighbour that was reporting is still behind `ts`
     * (stations report independently, so a shared jump reaches analytics a little apart), or this device has moved
     * on by `recentMs` since.
     */
    decidable(deviceId: string, metric: string, ts: number): boolean {
      const here = places.get(deviceId);
      const byDevice = seen.get(metric);
      if (!here || !byDevice) return true;
      if ((byDevice.get(deviceId)?.lastTs ?? ts) >= ts + options.recentMs) return true;
      for (const [other, state] of byDevice) {
        const there = other === deviceId ? undefined : places.get(other);
        if (!there || distanceKm(here, there) > options.radiusKm) continue;
        if (state.lastTs < ts && state.lastTs >= ts - options.recentMs) return false;
      }
      return true;
    },
    label(deviceId: string, metric: string, ts: number): AnomalyLabel {
      const here = places.get(deviceId);
      const byDevice = seen.get(metric);
      if (!here || !byDevice) return 'anomaly';
      let reporting = 0;
      for (const [other, state] of byDevice) {
        const there = other === deviceId ? undefined : places.get(other);
        if (!there || distanceKm(here, there) > options.radiusKm || Math.abs(ts - state.lastTs) > options.recentMs) continue;
        if (Math.abs(ts - state.lastUnusualTs) <= options.recentMs) return 'episode';
        reporting++;
      }
      return reporting > 0 ? 'sensor_fault' : 'anomaly';
    },
  };
}
