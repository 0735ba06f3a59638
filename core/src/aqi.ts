/**
 * The Vietnamese air quality index, VN_AQI, as Decision 1459/QĐ-TCMT (2019) of the Vietnam Environment
 * Administration defines it: a sub-index per pollutant by linear interpolation between breakpoints, NowCast for
 * hourly particulate matter, and the index as the highest sub-index, given only when PM2.5 or PM10 is known.
 * Concentrations in µg/m³.
 */
export type AqiPollutant = 'pm25' | 'pm10' | 'o3' | 'no2' | 'co';

/** Index values I_i at the breakpoints (Table 2 of the Decision, column I_i). */
const INDEX = [0, 50, 100, 150, 200, 300, 400, 500];

/**
 * Concentration breakpoints BP_i (µg/m³), Table 2 of the Decision (checked against its text): O₃ and the other gases
 * as 1-hour means, PM as 24-hour means (also used for the hourly NowCast). SO₂ is in the table too; no device kind
 * of the catalogue measures it.
 */
const BREAKPOINTS: Record<AqiPollutant, readonly number[]> = {
  o3: [0, 160, 200, 300, 400, 800, 1000, 1200],
  co: [0, 10000, 30000, 45000, 60000, 90000, 120000, 150000],
  no2: [0, 100, 200, 700, 1200, 2350, 3100, 3850],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
  pm25: [0, 25, 50, 80, 150, 250, 350, 500],
};

/** 8-hour O₃ breakpoints (daily index only); above the last one only the 1-hour sub-index counts. */
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
 * NowCast of hourly PM means, newest first (up to 12; undefined for a missing hour), §2.2.1 a of the Decision: needs
 * at least two of the three latest hours; weight w = min/max of the hours known, at least ½; the mean weighted by
 * w^(i−1), a missing hour weighing 0. For w = ½ the Decision writes Σ (½)^i·c_i without dividing by the weights:
 * the same value within 0.03 % when all 12 hours are known, but it would count a missing hour as 0 µg/m³, so the
 * weighted mean is used for both cases.
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

/** The mean of a window of hourly means, given 6 of its 8 hours (the Decision does not say how many may be missing). */
function eightHourMean(window: readonly (number | undefined)[]): number | undefined {
  const known = window.filter((c): c is number => c !== undefined);
  return known.length >= 6 ? mean(known) : undefined;
}

/**
 * The daily VN_AQI (rounded) from the day's 24 hourly means, oldest first (undefined for a missing hour): PM as
 * 24-hour means, NO₂ and CO as the highest hourly mean, O₃ as the higher of its highest 1-hour and
 * highest 8-hour sub-index. The day has 24 eight-hour O₃ means, one ending at each of its hours, so the first ones
 * reach into the day before: `previousO3` are the 7 hourly O₃ means before the day, oldest first. The 8-hour
 * sub-index is left out when that mean is above 400 µg/m³ (§2.2.2 b).
 */
export function dailyAqi(series: HourlySeries, previousO3: readonly (number | undefined)[] = []): number | undefined {
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
  const o3Known = known('o3');
  if (o3Known.length > 0) {
    sub.push(aqiSubIndex('o3', Math.max(...o3Known)));
    const hours = [...Array.from({ length: 7 - Math.min(7, previousO3.length) }, () => undefined), ...previousO3.slice(-7), ...(series.o3 ?? [])];
    let max8h: number | undefined;
    for (let end = 8; end <= hours.length; end++) {
      const c = eightHourMean(hours.slice(end - 8, end));
      if (c !== undefined) max8h = Math.max(max8h ?? 0, c);
    }
    if (max8h !== undefined && max8h <= (O3_8H.at(-1) as number)) sub.push(interpolate(O3_8H, max8h));
  }
  return Math.round(Math.max(...sub));
}
