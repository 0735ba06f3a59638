import { distanceKm, type Place } from './spatial.ts';

/**
 * Space as a city operator uses it, on standardised readings (station-normaliser.ts): each stream is compared with
 * its neighbours (the nearest stations of its kind) and with the whole city (every station reporting the metric).
 * - `rz`: how far the station departs from its neighbours' median — one station alone (a sensor fault);
 * - `dz`: how far it departs from the city's median — with a neighbour departing the same way, a local episode;
 *   a change the whole city shares (weather, the evening rush) moves the median with it and departs from nothing.
 * Both are in units of the stream's own usual departure (a running mean absolute value, learned while calm).
 */
export interface ConsensusOptions {
  neighbours: number;
  radiusKm: number;
  /** Readings older than this are not part of the consensus, ms. */
  recentMs: number;
  /** Departures beyond these (rz, dz) are not learned as usual. */
  faultAt: number;
  episodeAt: number;
  /** Readings a stream needs before its departures are scored. */
  minReadings: number;
}

export const DEFAULT_CONSENSUS: ConsensusOptions = { neighbours: 4, radiusKm: 25, recentMs: 15 * 60_000, faultAt: 6, episodeAt: 3, minReadings: 200 };

export interface Departure {
  rz: number;
  dz: number;
}

interface Latest {
  ts: number;
  value: number;
}

interface Scale {
  n: number;
  meanAbs: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};

export function createConsensus(options: ConsensusOptions = DEFAULT_CONSENSUS) {
  const stations = new Map<string, { kind: string; place: Place }>();
  let neighbourCache = new Map<string, string[]>();
  const latest = new Map<string, Map<string, Latest>>();
  const cityMedian = new Map<string, { ts: number; value: number }>();
  const scales = new Map<string, { residual: Scale; regional: Scale }>();
  const departures = new Map<string, Departure>();

  function neighboursOf(deviceId: string): string[] {
    const cached = neighbourCache.get(deviceId);
    if (cached) return cached;
    const here = stations.get(deviceId);
    const found = !here
      ? []
      : [...stations]
          .filter(([id, s]) => id !== deviceId && s.kind === here.kind && distanceKm(here.place, s.place) <= options.radiusKm)
          .sort(([, a], [, b]) => distanceKm(here.place, a.place) - distanceKm(here.place, b.place))
          .slice(0, options.neighbours)
          .map(([id]) => id);
    neighbourCache.set(deviceId, found);
    return found;
  }

  function city(metric: string, ts: number): number | undefined {
    const cached = cityMedian.get(metric);
    if (cached?.ts === ts) return cached.value;
    const values = [...(latest.get(metric)?.values() ?? [])].filter((l) => l.ts > ts - options.recentMs).map((l) => l.value);
    if (values.length < 3) return undefined;
    const value = median(values);
    cityMedian.set(metric, { ts, value });
    return value;
  }

  function scaled(scale: Scale, departure: number, limit: number): number {
    const z = scale.n >= options.minReadings ? departure / (1.25 * scale.meanAbs + 0.02) : 0;
    if (scale.n < options.minReadings || Math.abs(z) < limit) {
      scale.meanAbs += Math.max(1 / (scale.n + 1), 1 / 720) * (Math.abs(departure) - scale.meanAbs);
      scale.n++;
    }
    return z;
  }

  return {
    place(deviceId: string, kind: string, place: Place): void {
      stations.set(deviceId, { kind, place });
      neighbourCache = new Map();
    },
    neighboursOf,
    /** Notes a stream's standardised reading. */
    update(deviceId: string, metric: string, ts: number, value: number): void {
      let byDevice = latest.get(metric);
      if (!byDevice) latest.set(metric, (byDevice = new Map()));
      byDevice.set(deviceId, { ts, value });
      cityMedian.delete(metric);
    },
    /** The stream's departures from its neighbours and the city now (call once per reading, after the round's updates). */
    evaluate(deviceId: string, metric: string, ts: number): Departure | undefined {
      const own = latest.get(metric)?.get(deviceId);
      const around = neighboursOf(deviceId)
        .map((id) => latest.get(metric)?.get(id))
        .filter((l): l is Latest => l !== undefined && l.ts > ts - options.recentMs)
        .map((l) => l.value);
      const whole = city(metric, ts);
      if (!own || around.length === 0 || whole === undefined) return undefined;
      const key = `${deviceId}/${metric}`;
      let scale = scales.get(key);
      if (!scale) scales.set(key, (scale = { residual: { n: 0, meanAbs: 0 }, regional: { n: 0, meanAbs: 0 } }));
      const departure = {
        rz: scaled(scale.residual, own.value - median(around), options.faultAt),
        dz: scaled(scale.regional, own.value - whole, options.episodeAt),
      };
      departures.set(key, departure);
      return departure;
    },
    /** Whether a neighbour departs from the city the same way (`sign` +1 up, −1 down) by half an episode or more. */
    sharedBy(deviceId: string, metric: string, sign: number): boolean {
      return neighboursOf(deviceId).some((id) => sign * (departures.get(`${id}/${metric}`)?.dz ?? 0) >= options.episodeAt / 2);
    },
    /** Whether a neighbour that reports lately has not yet reported a reading as recent as `ts` (its label must wait). */
    waitingFor(deviceId: string, ts: number): boolean {
      return neighboursOf(deviceId).some((id) => {
        for (const byDevice of latest.values()) {
          const l = byDevice.get(id);
          if (l && l.ts < ts && l.ts > ts - options.recentMs) return true;
        }
        return false;
      });
    },
  };
}
