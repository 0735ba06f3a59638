import type { Departure } from './consensus.ts';
import { HAZARD_RISE_METRICS, WEATHER_METRICS } from './scored-metrics.ts';

/**
 * What a station's latest readings amount to, as an operator would judge them:
 * - `sensor_fault`: one stream stuck, or departing from its neighbours (which do not share the departure) and from
 *   the city the same way, farther than they are (not the neighbours departing from it), while its own detector finds
 *   it unusual, or jumping there within one step (a spike: far from its neighbours now, close to them a step before —
 *   surroundings change gradually); or the multivariate model finding the station's metrics inconsistent with each
 *   other, with the metric it blames departing from the neighbours. Not when three or more of the station's metrics
 *   depart the same way together: that is its surroundings changing (rain at one station), not a sensor.
 * - `episode`: a hazard metric rising above the city (pollution, water level) and above the highest it reached over
 *   the last day (daily-range.ts: a tide, a rush hour or a shower's few centimetres are not) or far above the city
 *   (a flood on a gauge whose big tide spans much of the rise), with a neighbour rising too.
 * - `anomaly`: a station with no neighbours to compare with (no position, or none within reach) whose own
 *   detector fires on a metric that is not weather: unusual, but space cannot tell what it is.
 * - nothing: the rest, including changes the whole city shares and weather.
 */
export interface JudgementOptions {
  /** rz at which a stream departs from its neighbours. */
  faultAt: number;
  /** dz at which a stream departs from the city. */
  episodeAt: number;
  /** Multivariate score at which a station's metrics are inconsistent. */
  inconsistentAt: number;
  /** rz a stream must reach within one step (from under faultAt / 2) to be a fault without its detector. */
  jumpAt: number;
  /** How far above its last-day highest (share of its daily range) a hazard metric must rise to be an episode. */
  riseAt: number;
  /** dz at which a shared hazard rise is an episode even inside the stream's daily range (a flood on a big tide). */
  farAboveAt: number;
}

export const DEFAULT_JUDGEMENT: JudgementOptions = { faultAt: 6, episodeAt: 3, inconsistentAt: 3, jumpAt: 12, riseAt: 0.3, farAboveAt: 12 };

export interface StreamEvidence {
  metric: string;
  departure?: Departure;
  /** The stream's own detector fired lately, and on this reading. */
  unusual: boolean;
  detected: boolean;
  stuck: boolean;
  /** The stream's rz at its previous judgement (undefined: none lately). */
  previousRz?: number;
  /** How far the value is above the stream's highest of the last day, as a share of its daily range (daily-range.ts). */
  aboveDay?: number;
}

export interface Judgement {
  label: 'episode' | 'sensor_fault' | 'anomaly';
  metric: string;
  /** The evidence's size (rz, dz or the multivariate score) and the level it had to reach. */
  score: number;
  threshold: number;
}

export function judgeStation(
  streams: StreamEvidence[],
  multivariate: { score: number; metric: string } | undefined,
  sharedBy: (metric: string, sign: number) => boolean,
  options: JudgementOptions = DEFAULT_JUDGEMENT,
): Judgement | undefined {
  const alarmable = streams.filter((s) => !WEATHER_METRICS.includes(s.metric));
  const movesTogether = (sign: number) => alarmable.filter((s) => sign * (s.departure?.rz ?? 0) >= options.faultAt / 2).length >= 3;
  const departsAlone = (metric: string, rz: number) => !sharedBy(metric, Math.sign(rz)) && !movesTogether(Math.sign(rz));
  let best: Judgement | undefined;
  const consider = (judgement: Judgement) => {
    if (!best || judgement.score / judgement.threshold > best.score / best.threshold) best = judgement;
  };
  for (const { metric, departure, unusual, stuck, previousRz, aboveDay } of alarmable) {
    if (stuck) consider({ label: 'sensor_fault', metric, score: 1, threshold: 1 });
    if (!departure) continue;
    const { rz, dz } = departure;
    // Farther from the city than its neighbours are: a station whose neighbours all jump departs from them too.
    const fromCityToo = Math.sign(dz) === Math.sign(rz) && Math.abs(dz) >= options.episodeAt / 2 && Math.abs(dz) > Math.abs(departure.neighboursDz ?? 0);
    const jumped = Math.abs(rz) >= options.jumpAt && previousRz !== undefined && Math.abs(previousRz) < options.faultAt / 2;
    if (Math.abs(rz) >= options.faultAt && fromCityToo && (unusual || jumped) && departsAlone(metric, rz)) {
      consider({ label: 'sensor_fault', metric, score: Math.abs(rz), threshold: options.faultAt });
    } else if (HAZARD_RISE_METRICS.includes(metric) && dz >= options.episodeAt && ((aboveDay ?? Number.NEGATIVE_INFINITY) >= options.riseAt || dz >= options.farAboveAt) && sharedBy(metric, 1)) {
      consider({ label: 'episode', metric, score: dz, threshold: options.episodeAt });
    }
  }
  if (!best && multivariate && multivariate.score >= options.inconsistentAt) {
    const rz = streams.find((s) => s.metric === multivariate.metric)?.departure?.rz ?? 0;
    if (Math.abs(rz) >= options.faultAt / 2 && departsAlone(multivariate.metric, rz)) {
      best = { label: 'sensor_fault', metric: multivariate.metric, score: multivariate.score, threshold: options.inconsistentAt };
    }
  }
  if (!best && alarmable.every((s) => !s.departure)) {
    const detected = alarmable.find((s) => s.detected);
    if (detected) best = { label: 'anomaly', metric: detected.metric, score: 1, threshold: 1 };
  }
  return best;
}
