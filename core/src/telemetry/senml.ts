import { METRIC_UNITS, acceptedUnits, unitConverter } from './units.ts';

/** One decoded SenML record: the metric (the last segment of its resolved name), its time and value. */
export interface SenmlReading {
  metric: string;
  ts: number;
  value: number;
  /** The resolved name, for error messages. */
  name: string;
}

export type SenmlResult = { ok: true; readings: SenmlReading[] } | { ok: false; reason: string };

/** The SenML version this decoder implements (RFC 8428). */
const SENML_VERSION = 10;
/** Resolved times below 2^28 s are relative to the time of receipt (RFC 8428 §4.5.3). */
const RELATIVE_TIME_LIMIT_S = 2 ** 28;
/**
 * Records one pack may hold: each becomes a point to write, so a device's one message must not become thousands of
 * writes (a device reports tens of metrics; 256 leaves room for a batch of several readings each).
 */
export const MAX_SENML_RECORDS = 256;
const NAME = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;

function refuse(reason: string): SenmlResult {
  return { ok: false, reason };
}

/** The metric a resolved name stands for: what follows its last ':' or '/' ("urn:dev:mac:0a1b:pm25" → "pm25"). */
function metricOf(name: string): string {
  return name.slice(Math.max(name.lastIndexOf(':'), name.lastIndexOf('/')) + 1);
}

function optionalNumber(record: Record<string, unknown>, field: string, where: string): number | string | undefined {
  const value = record[field];
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : `SenML ${where}: "${field}" must be a number`;
}

function optionalString(record: Record<string, unknown>, field: string, where: string): string | undefined | { error: string } {
  const value = record[field];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : { error: `SenML ${where}: "${field}" must be a string` };
}

/**
 * Resolves a SenML pack (RFC 8428 JSON: an array of records) into readings: base name + name, base time + time
 * (seconds; relative times count from `receivedAt`), base value + value, booleans as 1/0, and units converted to
 * the catalogue's. Records without a numeric value, unknown must-understand fields (ending in "_"), a newer
 * version, a unit the metric does not accept, or more than MAX_SENML_RECORDS records refuse the whole pack, with the
 * reason.
 */
export function resolveSenml(pack: readonly unknown[], receivedAt: number): SenmlResult {
  if (pack.length === 0) return refuse('SenML pack is empty');
  if (pack.length > MAX_SENML_RECORDS) return refuse(`SenML pack of ${pack.length} records: at most ${MAX_SENML_RECORDS} per message`);
  let bn = '';
  let bt = 0;
  let bu: string | undefined;
  let bv = 0;
  const readings: SenmlReading[] = [];
  for (let i = 0; i < pack.length; i++) {
    const record = pack[i];
    const where = `record ${i}`;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return refuse(`SenML ${where} must be an object`);
    const r = record as Record<string, unknown>;
    for (const field of Object.keys(r)) {
      if (field.endsWith('_')) return refuse(`SenML ${where}: must-understand field "${field}" is not supported`);
    }
    if (r.bver !== undefined && (typeof r.bver !== 'number' || r.bver > SENML_VERSION)) {
      return refuse(`SenML ${where}: version ${JSON.stringify(r.bver)} is not supported (up to ${SENML_VERSION})`);
    }
    const baseName = optionalString(r, 'bn', where);
    if (typeof baseName === 'object') return refuse(baseName.error);
    if (baseName !== undefined) bn = baseName;
    const baseUnit = optionalString(r, 'bu', where);
    if (typeof baseUnit === 'object') return refuse(baseUnit.error);
    if (baseUnit !== undefined) bu = baseUnit;
    const baseTime = optionalNumber(r, 'bt', where);
    if (typeof baseTime === 'string') return refuse(baseTime);
    if (baseTime !== undefined) bt = baseTime;
    const baseValue = optionalNumber(r, 'bv', where);
    if (typeof baseValue === 'string') return refuse(baseValue);
    if (baseValue !== undefined) bv = baseValue;

    const hasValue = ['v', 'vb', 'vs', 'vd', 's'].some((field) => r[field] !== undefined);
    if (!hasValue) {
      // A record with only base fields sets them for the records that follow.
      if (r.n === undefined && r.t === undefined && r.u === undefined) continue;
      return refuse(`SenML ${where}: no value ("v" or "vb")`);
    }
    const n = optionalString(r, 'n', where);
    if (typeof n === 'object') return refuse(n.error);
    const name = bn + (n ?? '');
    if (!NAME.test(name)) return refuse(`SenML ${where}: name "${name}" is not a valid SenML name`);
    const metric = metricOf(name);
    if (metric === '') return refuse(`SenML ${where}: name "${name}" names no metric`);
    if (r.vs !== undefined || r.vd !== undefined) return refuse(`SenML ${where} ("${name}"): string and data values are not metrics`);
    if (r.s !== undefined) return refuse(`SenML ${where} ("${name}"): sums ("s") are not supported; send "v"`);

    let value: number;
    if (r.vb !== undefined) {
      if (typeof r.vb !== 'boolean') return refuse(`SenML ${where} ("${name}"): "vb" must be true or false`);
      value = r.vb ? 1 : 0;
    } else {
      const v = optionalNumber(r, 'v', where);
      if (typeof v === 'string') return refuse(v);
      value = bv + (v as number);
    }
    const unitField = optionalString(r, 'u', where);
    if (typeof unitField === 'object') return refuse(unitField.error);
    const unit = unitField ?? bu;
    // A metric no catalogue knows keeps its value: the device kind's check refuses it by name.
    if (unit !== undefined && Object.hasOwn(METRIC_UNITS, metric)) {
      const convert = unitConverter(metric, unit);
      if (!convert) {
        const accepted = acceptedUnits(metric);
        return refuse(
          `SenML ${where}: unit "${unit}" is not accepted for "${metric}"${accepted.length ? ` (accepted: ${accepted.join(', ')})` : ''}`,
        );
      }
      value = convert(value);
    }

    const t = optionalNumber(r, 't', where);
    if (typeof t === 'string') return refuse(t);
    const seconds = bt + (t ?? 0);
    const ts = seconds < RELATIVE_TIME_LIMIT_S ? receivedAt + Math.round(seconds * 1000) : Math.round(seconds * 1000);
    readings.push({ metric, ts, value, name });
  }
  if (readings.length === 0) return refuse('SenML pack has no records with values');
  return { ok: true, readings };
}
