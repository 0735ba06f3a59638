import { DAY_MS } from './time.ts';

/** Where a device is: what the shared environment depends on. */
export interface Placed {
  id: string;
  areaId: string;
  lat: number;
  lon: number;
}

/**
 * The weather and emissions every model reads, so that a scenario changes them in one place: rain washes out
 * particulates, raises rivers and noise; a pollution episode multiplies emissions.
 */
export interface Environment {
  /** The run's seed: varies the measurement noise. */
  seed: number;
  /** When the run started (simulated epoch ms): batteries drain from here. */
  startedAt: number;
  /** Rain intensity at a device's place, mm/h. */
  rainMmH(device: Placed, ts: number): number;
  /** Multiplier of pollutant emissions at a device's place (1 = normal). */
  pollution(device: Placed, ts: number): number;
  /** Regional temperature anomaly, °C, and particulate factor: smooth in space and slow in time. */
  weather(device: Placed, ts: number): { pmFactor: number; tempAnomaly: number };
}

/**
 * Weather shared by neighbouring places: smooth in space (wavelength ≈ 20–60 km) and slow in time (days), so
 * nearby devices move together.
 */
export function regionalWeather(lat: number, lon: number, ts: number): { pmFactor: number; tempAnomaly: number } {
  const days = ts / DAY_MS;
  const pmFactor = 1 + 0.25 * Math.sin(2 * Math.PI * (days / 3.1) + lon * 30) * Math.cos(2 * Math.PI * (days / 1.7) + lat * 25);
  const tempAnomaly = Math.sin(2 * Math.PI * (days / 4.3) + lat * 10 + lon * 6);
  return { pmFactor, tempAnomaly };
}

/**
 * Huế's usual rain per month, mm (approximate climate normals: about 2.9 m a year, most of it from September to
 * December in the north-east monsoon; about 160 mm in January, under 120 mm a month from February to August).
 */
const MONTHLY_RAIN_MM = [161, 62, 47, 52, 82, 117, 95, 104, 473, 796, 581, 297];
/** What the shower field below rains at a place per day on average at full strength (measured over a month), mm. */
const SHOWER_FIELD_MM_PER_DAY = 16.5;

/** The share of the shower field's strength the season gives at `ts`: the month's normal, interpolated between mid-months. */
export function rainSeason(ts: number): number {
  const date = new Date(ts);
  const days = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const month = date.getUTCMonth();
  const position = month + (date.getUTCDate() - 1 + (ts % DAY_MS) / DAY_MS) / days(date.getUTCFullYear(), month) - 0.5;
  const first = Math.floor(position);
  const perDay = (m: number) => MONTHLY_RAIN_MM[(m + 12) % 12]! / days(date.getUTCFullYear(), (m + 12) % 12);
  const mmPerDay = perDay(first) + (position - first) * (perDay(first + 1) - perDay(first));
  return mmPerDay / SHOWER_FIELD_MM_PER_DAY;
}

/**
 * Passing showers every day or two at a place, moving across the province, as strong as the season: light in the
 * dry months (peaks of 1–4 mm/h from January to August), heavy in October (up to 15 mm/h).
 */
export function showerRain(lat: number, lon: number, ts: number): number {
  const days = ts / DAY_MS;
  const field = Math.sin(2 * Math.PI * (days / 2.3) + lon * 20) * Math.cos(2 * Math.PI * (days / 0.9) + lat * 15);
  return Math.max(0, field - 0.6) * 25 * rainSeason(ts);
}

/** The environment without incidents. */
export function baseEnvironment(seed = 0, startedAt = 0): Environment {
  return {
    seed,
    startedAt,
    rainMmH: (device, ts) => showerRain(device.lat, device.lon, ts),
    pollution: () => 1,
    weather: (device, ts) => regionalWeather(device.lat, device.lon, ts),
  };
}
