import type { SimDevice } from './fleet.ts';
import { hashString, normal, seededRandom } from './random.ts';

/** The metrics an air-quality station publishes (catalogue kind `air`). */
export interface AirMetrics {
  pm25: number;
  pm10: number;
  temp_c: number;
  rh: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Huế is UTC+7 all year (Asia/Ho_Chi_Minh, no daylight saving). */
const UTC_OFFSET_HOURS = 7;

/** Local hour of day in Huế, 0 ≤ h < 24. */
export function localHour(ts: number): number {
  return (((ts / HOUR_MS + UTC_OFFSET_HOURS) % 24) + 24) % 24;
}

/** A bump centred on hour `centre`, width `sigma` hours, wrapping around midnight. */
function peak(hour: number, centre: number, sigma: number): number {
  const distance = Math.min(Math.abs(hour - centre), 24 - Math.abs(hour - centre));
  return Math.exp(-(distance * distance) / (2 * sigma * sigma));
}

/**
 * Weather shared by neighbouring stations: smooth in space (wavelength ≈ 20–60 km) and slow in time (days), so
 * nearby stations move together.
 */
function regionalWeather(lat: number, lon: number, ts: number): { pmFactor: number; tempAnomaly: number } {
  const days = ts / DAY_MS;
  const pmFactor = 1 + 0.25 * Math.sin(2 * Math.PI * (days / 3.1) + lon * 30) * Math.cos(2 * Math.PI * (days / 1.7) + lat * 25);
  const tempAnomaly = Math.sin(2 * Math.PI * (days / 4.3) + lat * 10 + lon * 6);
  return { pmFactor, tempAnomaly };
}

/**
 * Plausible readings of a Huế air-quality station at time `ts`: temperature in a ~22–34 °C daily cycle (coolest
 * before dawn, warmest mid-afternoon), humidity moving inversely, PM2.5 with morning and evening traffic peaks and a
 * night-time inversion, PM10 a station-specific multiple of PM2.5. A pure function of (station, ts): the small
 * noise is seeded by both.
 */
export function airReading(station: SimDevice, ts: number): AirMetrics {
  const random = seededRandom(hashString(station.id) ^ Math.floor(ts / 1000));
  const hour = localHour(ts);
  const weather = regionalWeather(station.lat, station.lon, ts);
  const { profile } = station;

  const temp = 28 + 4.5 * Math.cos((2 * Math.PI * (hour - 14.5)) / 24) + weather.tempAnomaly + profile.tempOffset + 0.2 * normal(random);
  const rh = clamp(78 - 3.2 * (temp - 28) + profile.rhOffset + 1.0 * normal(random), 35, 99);

  const night = hour >= 22 || hour < 5 ? 0.35 : 0;
  const traffic = 0.75 + 0.9 * peak(hour, 7.5, 1.3) + 1.0 * peak(hour, 18.5, 1.6) + night;
  const pm25 = Math.max(1, 18 * profile.pmFactor * weather.pmFactor * traffic * (1 + 0.08 * normal(random)));
  const pm10 = Math.max(pm25 + 0.5, pm25 * profile.pm10Ratio * (1 + 0.05 * normal(random)));

  return { pm25: round1(pm25), pm10: round1(pm10), temp_c: round1(temp), rh: round1(rh) };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
