import type { Departure } from './consensus.ts';
import { HAZARD_RISE_METRICS, WEATHER_METRICS } from './scored-metrics.ts';

/**
 * What a station's latest readings amount to, as an operator would judge them:
 * - `sensor_fault`: one stream stuck, or departing from its neighbours (which do not share the departure) and from
 *   the city the same way (not the neighbours departing from it) while its own detector finds it unusual; or the multivariate model finding the station's metrics inconsistent with
 *   each other, with the metric it blames departing from the neighbours. Not when three or more of the station's
 *   metrics depart the same way together: that is its surroundings changing (rain at one station), not a sensor.
 * - `episode`: a hazard metric rising above the city (pollution, water level), unusual for the stream, with a
 *   neighbour rising too.
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
}

export const DEFAULT_JUDGEMENT: JudgementOptions = { faultAt: 6, episodeAt: 3, inconsistentAt: 3 };

export interface StreamEvidence {
  metric: string;
  departure?: Departure;
  /** The stream's own detector fired lately, and on this reading. */
  unusual: boolean;
  detected: boolean;
  stuck: boolean;
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
  for (const { metric, departure, unusual, stuck } of alarmable) {
    if (stuck) consider({ label: 'sensor_fault', metric, score: 1, threshold: 1 });
    if (!departure) continue;
    const { rz, dz } = departure;
    const fromCityToo = Math.sign(dz) === Math.sign(rz) && Math.abs(dz) >= options.episodeAt / 2;
    if (Math.abs(rz) >= options.faultAt && fromCityToo && unusual && departsAlone(metric, rz)) {
      consider({ label: 'sensor_fault', metric, score: Math.abs(rz), threshold: options.faultAt });
    } else if (HAZARD_RISE_METRICS.includes(metric) && dz >= options.episodeAt && unusual && sharedBy(metric, 1)) {
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
