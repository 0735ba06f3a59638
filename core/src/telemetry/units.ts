/**
 * Unit normalisation: the SenML units (RFC 8428 §12.1 and the secondary registry of RFC 8798) a metric may be
 * sent in, and how each becomes the catalogue's unit. Keyed by metric name: a metric means the same everywhere.
 */
export type Convert = (value: number) => number;

const same: Convert = (v) => v;
const times = (k: number): Convert => (v) => v * k;

/** µg/m³ per ppm of a gas at 25 °C and 1 atm: molar mass (g/mol) / 24.45 L/mol × 1000. */
const ugm3PerPpm = (molarMass: number): number => (molarMass / 24.45) * 1000;

function gas(molarMass: number): Record<string, Convert> {
  const perPpm = ugm3PerPpm(molarMass);
  return { 'ug/m3': same, 'kg/m3': times(1e9), ppm: times(perPpm), ppb: times(perPpm / 1000) };
}

const particles: Record<string, Convert> = { 'ug/m3': same, 'kg/m3': times(1e9) };
const volts: Record<string, Convert> = { V: same, mV: times(0.001) };
const celsius: Record<string, Convert> = { Cel: same, K: (v) => v - 273.15 };

export const METRIC_UNITS: Readonly<Record<string, Readonly<Record<string, Convert>>>> = {
  pm25: particles,
  pm10: particles,
  no2: gas(46.0055),
  o3: gas(47.9982),
  co: gas(28.0101),
  temp_c: celsius,
  rh: { '%RH': same, '%': same },
  battery_v: volts,
  supply_v: volts,
  level_cm: { cm: same, m: times(100), mm: times(0.1) },
  rain_mm: { mm: same, m: times(1000), cm: times(10) },
  laeq_db: { dB: same, Bspl: times(10) },
  fps: { '1/s': same },
  bitrate_kbps: { 'bit/s': times(0.001), 'kbit/s': same, 'Mbit/s': times(1000) },
  volume: { '%': same, '/': times(100) },
  playing: { '/': same },
  rssi_dbm: { dBm: same, dBW: (v) => v + 30 },
};

/** The converter from `unit` to the catalogue unit of `metric`; undefined when that unit is not accepted. */
export function unitConverter(metric: string, unit: string): Convert | undefined {
  const units = METRIC_UNITS[metric];
  return units && Object.hasOwn(units, unit) ? units[unit] : undefined;
}

/** The SenML units accepted for a metric, for error messages and documentation. */
export function acceptedUnits(metric: string): string[] {
  return Object.keys(METRIC_UNITS[metric] ?? {});
}
