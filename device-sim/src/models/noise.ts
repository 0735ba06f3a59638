import type { SimDevice } from '../fleet.ts';
import { hashString, normal, seededRandom } from '../random.ts';
import { baseEnvironment, type Environment } from './environment.ts';
import { clamp, localHour, peak, round1, trafficLevel } from './time.ts';

/**
 * A noise meter's A-weighted equivalent level: quiet nights (≈ 40 dB in a village, 48 dB in a ward), busy days with
 * traffic peaks, markets in the morning, and the drumming of heavy rain. Pure in (meter, ts, env).
 */
export function noiseReading(meter: SimDevice, ts: number, env: Environment = baseEnvironment()): { laeq_db: number } {
  const random = seededRandom(hashString(meter.id) ^ Math.floor(ts / 1000) ^ env.seed);
  const hour = localHour(ts);
  const activity = hour >= 5.5 && hour < 22 ? 1 : 0;
  const market = peak(hour, 6.5, 1);
  const rain = Math.min(env.rainMmH(meter, ts), 30);
  const laeq = meter.profile.noiseBaseDb + 9 * activity + 6 * Math.log2(1 + trafficLevel(ts)) + 4 * market + 0.3 * rain + 1.5 * normal(random);
  return { laeq_db: round1(clamp(laeq, 25, 110)) };
}
