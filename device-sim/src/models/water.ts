import type { SimDevice } from '../fleet.ts';
import { hashString, normal, seededRandom } from '../random.ts';
import { baseEnvironment, type Environment } from './environment.ts';
import { HOUR_MS, round1 } from './time.ts';

export interface WaterMetrics {
  level_cm: number;
  rain_mm: number;
}

/** How many hours of past rain still drain into the river, and how fast the runoff recedes. */
const CATCHMENT_HOURS = 72;
const RECESSION_HOURS = 14;
/** Semi-diurnal tide period (M2), felt on the lagoon side and the lower rivers. */
const TIDE_PERIOD_MS = 12.42 * HOUR_MS;

/**
 * A water-level gauge: its usual level, a tide, and runoff from the rain of the last three days at its place
 * (each hour's rain lifts the level by `riverGain` cm per mm, receding over ~14 h) — so a long heavy rain makes a
 * flood rise for hours and fall slowly after. `rain_mm` is the rain of the last hour. Pure in (gauge, ts, env).
 */
export function waterReading(gauge: SimDevice, ts: number, env: Environment = baseEnvironment()): WaterMetrics {
  const random = seededRandom(hashString(gauge.id) ^ Math.floor(ts / 1000) ^ env.seed);
  const { profile } = gauge;
  let runoff = 0;
  for (let hour = 0; hour < CATCHMENT_HOURS; hour++) {
    runoff += env.rainMmH(gauge, ts - hour * HOUR_MS) * Math.exp(-hour / RECESSION_HOURS);
  }
  const tide = profile.tideCm * Math.sin((2 * Math.PI * ts) / TIDE_PERIOD_MS);
  const level = profile.baseLevelCm + tide + profile.riverGain * runoff + 0.8 * normal(random);
  return { level_cm: round1(level), rain_mm: round1(env.rainMmH(gauge, ts)) };
}
