import { distanceKm, type Place } from './spatial.ts';

/**
 * Dropout: a station that stops reporting while its neighbours go on is a sensor fault. Many stations falling
 * silent together is the network's doing (a cut, a gateway restart), not each sensor's, and is not reported here.
 */
export interface SilenceOptions {
  /** Silence shorter than this is never a dropout, ms. */
  minSilenceMs: number;
  /** Silence longer than this many of the station's usual report intervals is a dropout (if over minSilenceMs). */
  intervals: number;
  /** Some station (of any kind: the network there works) within this distance must still be reporting. */
  radiusKm: number;
  /** Stations that fell silent within this time of each other fell silent together, ms. */
  togetherMs: number;
  /** This share of the known stations (and at least 3) falling silent together is a network event. */
  massShare: number;
}

export const DEFAULT_SILENCE: SilenceOptions = { minSilenceMs: 10 * 60_000, intervals: 10, radiusKm: 10, togetherMs: 5 * 60_000, massShare: 0.05 };

interface Reporter {
  kind: string;
  place?: Place;
  lastTs: number;
  /** Running mean of the time between two reports, ms. */
  intervalMs?: number;
  droppedOut: boolean;
}

export interface SilenceChange {
  deviceId: string;
  kind: string;
  state: 'raised' | 'cleared';
  /** When the dropout was noticed (raised) or the station reported again (cleared). */
  ts: number;
  /** The station's last report before it fell silent. */
  lastReportTs: number;
}

export function createSilenceWatch(options: SilenceOptions = DEFAULT_SILENCE) {
  const stations = new Map<string, Reporter>();
  const limit = (r: Reporter) => Math.max(options.minSilenceMs, options.intervals * (r.intervalMs ?? options.minSilenceMs));
  const silentAt = (r: Reporter, now: number) => now - r.lastTs > limit(r);

  return {
    /** Notes a report; returns a `cleared` change when a dropped-out station is back. */
    report(deviceId: string, kind: string, ts: number, place?: Place): SilenceChange | undefined {
      const station = stations.get(deviceId);
      if (!station) return void stations.set(deviceId, { kind, place, lastTs: ts, droppedOut: false });
      if (ts <= station.lastTs) return undefined;
      const previous = station.lastTs;
      const gap = ts - previous;
      station.intervalMs = station.intervalMs === undefined ? gap : station.intervalMs + 0.05 * (Math.min(gap, 10 * station.intervalMs) - station.intervalMs);
      station.lastTs = ts;
      station.place ??= place;
      if (!station.droppedOut) return undefined;
      station.droppedOut = false;
      return { deviceId, kind, state: 'cleared', ts, lastReportTs: previous };
    },
    /** The stations that dropped out by `now` (each reported once until it reports again). */
    check(now: number): SilenceChange[] {
      const silent = [...stations].filter(([, r]) => silentAt(r, now));
      const changes: SilenceChange[] = [];
      for (const [deviceId, station] of silent) {
        if (station.droppedOut || !station.place) continue;
        const together = silent.filter(([, r]) => Math.abs(r.lastTs - station.lastTs) <= options.togetherMs).length;
        if (together >= Math.max(3, options.massShare * stations.size)) continue;
        const neighbourReporting = [...stations].some(
          ([id, r]) => id !== deviceId && r.place && !silentAt(r, now) && distanceKm(station.place!, r.place) <= options.radiusKm,
        );
        if (!neighbourReporting) continue;
        station.droppedOut = true;
        changes.push({ deviceId, kind: station.kind, state: 'raised', ts: now, lastReportTs: station.lastTs });
      }
      return changes;
    },
    get droppedOut(): number {
      return [...stations.values()].filter((r) => r.droppedOut).length;
    },
  };
}
