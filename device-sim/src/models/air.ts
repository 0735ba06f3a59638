import type { SimDevice } from '../fleet.ts';
import { hashString, normal, seededRandom } from '../random.ts';
import { baseEnvironment, type Environment } from './environment.ts';
import { clamp, daylight, localHour, round1, trafficLevel } from './time.ts';

/** The metrics an air-quality station publishes (catalogue kind `air`), µg/m³ for the gases. */
export interface AirMetrics {
  pm25: number;
  pm10: number;
  no2: number;
  o3: number;
  co: number;
  temp_c: number;
  rh: number;
}

/**
 * Plausible readings of a Huế air-quality station at time `ts`: temperature in a ~22–34 °C daily cycle (coolest
 * before dawn, warmest mid-afternoon), humidity moving inversely; PM2.5, NO2 and CO following traffic (morning and
 * evening peaks, quieter weekends) and a night-time inversion; O3 made by sunlight and eaten by NO2; rain washes
 * particulates out and cools the air; a pollution episode multiplies emissions. A pure function of (station, ts,
 * environment): the small noise is seeded by all three.
 */
export function airReading(station: SimDevice, ts: number, env: Environment = baseEnvironment()): AirMetrics {
  const random = seededRandom(hashString(station.id) ^ Math.floor(ts / 1000) ^ env.seed);
  const hour = localHour(ts);
  const weather = env.weather(station, ts);
  const rain = env.rainMmH(station, ts);
  const episode = env.pollution(station, ts);
  const { profile } = station;

  const temp =
    28 + 4.5 * Math.cos((2 * Math.PI * (hour - 14.5)) / 24) + weather.tempAnomaly + profile.tempOffset - 0.4 * Math.min(rain, 8) + 0.2 * normal(random);
  const rh = clamp(78 - 3.2 * (temp - 28) + profile.rhOffset + 2 * Math.min(rain, 6) + 1.0 * normal(random), 35, 99);

  const inversion = hour >= 22 || hour < 5 ? 0.6 : 0;
  const traffic = trafficLevel(ts) + inversion;
  const washout = 1 / (1 + 0.12 * rain);
  const base = profile.pmFactor * weather.pmFactor * episode;
  const pm25 = Math.max(1, 18 * base * traffic * washout * (1 + 0.08 * normal(random)));
  const pm10 = Math.max(pm25 + 0.5, pm25 * profile.pm10Ratio * (1 + 0.05 * normal(random)));
  const no2 = Math.max(1, 20 * profile.pmFactor * episode * (0.4 + 0.8 * traffic) * Math.sqrt(washout) * (1 + 0.08 * normal(random)));
  const co = Math.max(50, 450 * profile.pmFactor * episode * (0.5 + 0.7 * traffic) * (1 + 0.06 * normal(random)));
  const o3 = Math.max(2, (25 + 75 * daylight(ts) * (temp / 30)) * (1 - 0.004 * no2) * washout * (1 + 0.08 * normal(random)));

  return { pm25: round1(pm25), pm10: round1(pm10), no2: round1(no2), o3: round1(o3), co: Math.round(co), temp_c: round1(temp), rh: round1(rh) };
}
