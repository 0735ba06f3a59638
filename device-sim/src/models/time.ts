/** Local time in Huế: UTC+7 all year (Asia/Ho_Chi_Minh, no daylight saving). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const UTC_OFFSET_HOURS = 7;

/** Local hour of day in Huế, 0 ≤ h < 24. */
export function localHour(ts: number): number {
  return (((ts / HOUR_MS + UTC_OFFSET_HOURS) % 24) + 24) % 24;
}

/** Local day of the week in Huế, 0 = Sunday. */
export function localWeekday(ts: number): number {
  return new Date(ts + UTC_OFFSET_HOURS * HOUR_MS).getUTCDay();
}

/** A bump centred on hour `centre`, width `sigma` hours, wrapping around midnight. */
export function peak(hour: number, centre: number, sigma: number): number {
  const distance = Math.min(Math.abs(hour - centre), 24 - Math.abs(hour - centre));
  return Math.exp(-(distance * distance) / (2 * sigma * sigma));
}

/** Daylight 0 (night) … 1 (noon), from a 6:00 sunrise to an 18:00 sunset. */
export function daylight(ts: number): number {
  return Math.max(0, Math.sin((Math.PI * (localHour(ts) - 6)) / 12));
}

/** Road traffic relative to a weekday's mean: morning and evening peaks, quieter weekends and nights. */
export function trafficLevel(ts: number): number {
  const hour = localHour(ts);
  const weekday = localWeekday(ts);
  const week = weekday === 0 ? 0.7 : weekday === 6 ? 0.85 : 1;
  const night = hour >= 22 || hour < 5 ? 0.25 : 1;
  return week * night * (0.6 + 0.9 * peak(hour, 7.5, 1.3) + 1.0 * peak(hour, 18.5, 1.6));
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
