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
  /** How long a stream's usual departure is learned before its departures are scored, ms (time, not readings). */
  warmupMs: number;
  /**
   * Time constant of a stream's usual departure, ms: it is learned over this much time however often the station
   * reports (a day spans the daily cycle and two tides; a count of readings would be two hours at 10-s reports).
   */
  memoryMs: number;
}

export const DEFAULT_CONSENSUS: ConsensusOptions = { neighbours: 4, radiusKm: 25, recentMs: 15 * 60_000, faultAt: 6, episodeAt: 3, warmupMs: 6 * 3600_000, memoryMs: 24 * 3600_000 };

export interface Departure {
  /** The stream's departure from its neighbours' median, in its usual such departures. */
  rz: number;
  /** The stream's departure from the city's median, in its usual such departures. */
  dz: number;
  /** Its neighbours' median's departure from the city, on the stream's dz scale (0 until that scale is learned). */
  neighboursDz?: number;
}

interface Reading {
  ts: number;
  value: number;
}

/** The city median is computed once per this much time, ms. */
const CITY_BUCKET_MS = 30_000;

interface Scale {
  n: number;
  meanAbs: number;
  /** The stream's first and previous readings, ms. */
  since: number;
  ts: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};

export function createConsensus(options: ConsensusOptions = DEFAULT_CONSENSUS) {
  const stations = new Map<string, { kind: string; place: Place }>();
  let neighbourCache = new Map<string, string[]>();
  /** Per metric and device, the readings of the last `recentMs`, oldest first. */
  const recent = new Map<string, Map<string, Reading[]>>();
  const cityMedian = new Map<string, { bucket: number; value: number }>();
  const scales = new Map<string, { residual: Scale; regional: Scale }>();

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

  /** A stream's reading as of `ts`: its latest at or before `ts`, if recent. */
  function asOf(readings: Reading[] | undefined, ts: number): number | undefined {
    if (!readings) return undefined;
    for (let i = readings.length - 1; i >= 0; i--) {
      const reading = readings[i]!;
      if (reading.ts <= ts) return reading.ts > ts - options.recentMs ? reading.value : undefined;
    }
    return undefined;
  }

  function city(metric: string, ts: number): number | undefined {
    const bucket = Math.floor(ts / CITY_BUCKET_MS);
    const cached = cityMedian.get(metric);
    if (cached?.bucket === bucket) return cached.value;
    const values = [...(recent.get(metric)?.values() ?? [])].map((readings) => asOf(readings, ts)).filter((v): v is number => v !== undefined);
    if (values.length < 3) return undefined;
    const value = median(values);
    cityMedian.set(metric, { bucket, value });
    return value;
  }

  const learned = (scale: Scale, ts: number) => ts - scale.since >= options.warmupMs;

  function scaled(scale: Scale, departure: number, limit: number, ts: number): number {
    const z = learned(scale, ts) ? departure / (1.25 * scale.meanAbs + 0.02) : 0;
    const elapsed = Math.max(0, ts - scale.ts);
    scale.ts = ts;
    if (!learned(scale, ts) || Math.abs(z) < limit) {
      scale.meanAbs += Math.max(1 / (scale.n + 1), -Math.expm1(-elapsed / options.memoryMs)) * (Math.abs(departure) - scale.meanAbs);
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
      let byDevice = recent.get(metric);
      if (!byDevice) recent.set(metric, (byDevice = new Map()));
      let readings = byDevice.get(deviceId);
      if (!readings) byDevice.set(deviceId, (readings = []));
      readings.push({ ts, value });
      while (readings.length > 1 && readings[0]!.ts <= ts - options.recentMs) readings.shift();
    },
    /** The stream's departures at `ts` from its neighbours and the city, each as of `ts`. */
    evaluate(deviceId: string, metric: string, ts: number): Departure | undefined {
      const byDevice = recent.get(metric);
      const own = asOf(byDevice?.get(deviceId), ts);
      const around = neighboursOf(deviceId)
        .map((id) => asOf(byDevice?.get(id), ts))
        .filter((v): v is number => v !== undefined);
      const whole = city(metric, ts);
      if (own === undefined || around.length === 0 || whole === undefined) return undefined;
      const key = `${deviceId}/${metric}`;
      let scale = scales.get(key);
      if (!scale) scales.set(key, (scale = { residual: { n: 0, meanAbs: 0, since: ts, ts }, regional: { n: 0, meanAbs: 0, since: ts, ts } }));
      const aroundMedian = median(around);
      return {
        rz: scaled(scale.residual, own - aroundMedian, options.faultAt, ts),
        dz: scaled(scale.regional, own - whole, options.episodeAt, ts),
        neighboursDz: learned(scale.regional, ts) ? (aroundMedian - whole) / (1.25 * scale.regional.meanAbs + 0.02) : 0,
      };
    },
    /** Whether a neighbour departs from the city the same way at `ts` (`sign` +1 up, −1 down) by half an episode or more. */
    sharedBy(deviceId: string, metric: string, sign: number, ts: number): boolean {
      const whole = city(metric, ts);
      if (whole === undefined) return false;
      return neighboursOf(deviceId).some((id) => {
        const value = asOf(recent.get(metric)?.get(id), ts);
        const scale = scales.get(`${id}/${metric}`)?.regional;
        if (value === undefined || !scale || !learned(scale, ts)) return false;
        return (sign * (value - whole)) / (1.25 * scale.meanAbs + 0.02) >= options.episodeAt / 2;
      });
    },
    /** Whether a neighbour that reports lately has not yet reported a reading as recent as `ts` (its label must wait). */
    waitingFor(deviceId: string, ts: number): boolean {
      return neighboursOf(deviceId).some((id) => {
        for (const byDevice of recent.values()) {
          const last = byDevice.get(id)?.at(-1);
          if (last && last.ts < ts && last.ts > ts - options.recentMs) return true;
        }
        return false;
      });
    },
  };
}
