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

/** Passing showers: a few hours of light to moderate rain every few days, moving across the province. */
export function showerRain(lat: number, lon: number, ts: number): number {
  const days = ts / DAY_MS;
  const field = Math.sin(2 * Math.PI * (days / 2.3) + lon * 20) * Math.cos(2 * Math.PI * (days / 0.9) + lat * 15);
  return Math.max(0, field - 0.6) * 25;
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
