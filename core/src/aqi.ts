/**
 * The Vietnamese air quality index, VN_AQI, as Decision 1459/QĐ-TCMT (2019) of the Vietnam Environment
 * Administration defines it: a sub-index per pollutant by linear interpolation between breakpoints, NowCast for
 * hourly particulate matter, and the index as the highest sub-index, given only when PM2.5 or PM10 is known.
 * Concentrations in µg/m³.
 */
export type AqiPollutant = 'pm25' | 'pm10' | 'o3' | 'no2' | 'co';

/** Index values at the breakpoints (Table 1 of the Decision). */
const INDEX = [0, 50, 100, 150, 200, 300, 400, 500];

/** Concentration breakpoints (µg/m³) for each averaging: 1-hour for gases, 24-hour for PM (also used for NowCast). */
const BREAKPOINTS: Record<AqiPollutant, readonly number[]> = {
  o3: [0, 160, 200, 300, 400, 800, 1000, 1200],
  co: [0, 10000, 30000, 45000, 60000, 90000, 120000, 150000],
  no2: [0, 100, 200, 700, 1200, 2350, 3100, 3850],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
  pm25: [0, 25, 50, 80, 150, 250, 350, 500],
};

/** 8-hour O₃ breakpoints (daily index); above the last one the 1-hour value is used. */
const O3_8H = [0, 100, 120, 170, 210, 400];

function interpolate(breakpoints: readonly number[], c: number): number {
  const top = breakpoints.length - 1;
  if (c >= (breakpoints[top] as number)) return INDEX[top] as number;
  let i = 0;
  while (c >= (breakpoints[i + 1] as number)) i++;
  const [lo, hi] = [breakpoints[i] as number, breakpoints[i + 1] as number];
  return (((INDEX[i + 1] as number) - (INDEX[i] as number)) / (hi - lo)) * (c - lo) + (INDEX[i] as number);
}

/** The sub-index of one pollutant at concentration `c` (1-hour gases; PM as 24-hour mean or NowCast). */
export function aqiSubIndex(pollutant: AqiPollutant, c: number): number {
  return interpolate(BREAKPOINTS[pollutant], Math.max(0, c));
}

/**
 * NowCast of hourly PM means, newest first (up to 12; undefined for a missing hour). Needs at least two of the
 * three latest hours. Weight w = min/max of the hours known, at least ½.
 */
export function nowcast(hours: readonly (number | undefined)[]): number | undefined {
  const last12 = hours.slice(0, 12);
  if (last12.slice(0, 3).filter((c) => c !== undefined).length < 2) return undefined;
  const known = last12.filter((c): c is number => c !== undefined);
  const max = Math.max(...known);
  const w = max === 0 ? 1 : Math.max(0.5, Math.min(...known) / max);
  let weighted = 0;
  let weights = 0;
  last12.forEach((c, i) => {
    if (c === undefined) return;
    weighted += w ** i * c;
    weights += w ** i;
  });
  return weighted / weights;
}

/** Hourly means of each pollutant, newest first (the hour the index is for comes first). */
export type HourlySeries = Partial<Record<AqiPollutant, readonly (number | undefined)[]>>;

/** The hourly VN_AQI (rounded), or undefined without PM2.5 or PM10. */
export function hourlyAqi(series: HourlySeries): number | undefined {
  const sub: number[] = [];
  for (const pm of ['pm25', 'pm10'] as const) {
    const c = series[pm] && nowcast(series[pm]);
    if (c !== undefined) sub.push(aqiSubIndex(pm, c));
  }
  if (sub.length === 0) return undefined;
  for (const gas of ['o3', 'no2', 'co'] as const) {
    const c = series[gas]?.[0];
    if (c !== undefined) sub.push(aqiSubIndex(gas, c));
  }
  return Math.round(Math.max(...sub));
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The daily VN_AQI (rounded) from the day's hourly means, oldest first (undefined for a missing hour): PM as 24-hour
 * means, NO₂ and CO as the highest hourly mean, O₃ as the higher of its highest hourly and 8-hour sub-indices.
 */
export function dailyAqi(series: HourlySeries): number | undefined {
  const known = (p: AqiPollutant) => (series[p] ?? []).filter((c): c is number => c !== undefined);
  const sub: number[] = [];
  for (const pm of ['pm25', 'pm10'] as const) {
    const values = known(pm);
    if (values.length > 0) sub.push(aqiSubIndex(pm, mean(values)));
  }
  if (sub.length === 0) return undefined;
  for (const gas of ['no2', 'co'] as const) {
    const values = known(gas);
    if (values.length > 0) sub.push(aqiSubIndex(gas, Math.max(...values)));
  }
  const o3 = series.o3 ?? [];
  const o3Known = known('o3');
  if (o3Known.length > 0) {
    sub.push(aqiSubIndex('o3', Math.max(...o3Known)));
    let max8h: number | undefined;
    for (let i = 0; i + 8 <= o3.length; i++) {
      const window = o3.slice(i, i + 8).filter((c): c is number => c !== undefined);
      if (window.length >= 6) max8h = Math.max(max8h ?? 0, mean(window));
    }
    if (max8h !== undefined && max8h <= (O3_8H.at(-1) as number)) sub.push(interpolate(O3_8H, max8h));
  }
  return Math.round(Math.max(...sub));
}
