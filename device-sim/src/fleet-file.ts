import { fileURLToPath } from 'node:url';
import { DEFAULT_FLEET_SEED, DEFAULT_INTERVALS_MS, SIM_KINDS, type FleetSpec, type SimKind } from './fleet.ts';
import { isRecord, parseDuration, readSpecFile } from './spec-file.ts';

/** The shipped default fleet: every commune gets air, noise and water sensors, a camera and a speaker cluster. */
export const DEFAULT_FLEET_FILE = fileURLToPath(new URL('../fleets/hue.yaml', import.meta.url));

const KEYS = ['name', 'seed', 'areas', 'per_area', 'area_overrides', 'interval'];

function counts(value: unknown, where: string): Partial<Record<SimKind, number>> {
  if (!isRecord(value)) throw new Error(`${where} must map device kinds to counts, e.g. {air: 1, speaker: 4}`);
  const result: Partial<Record<SimKind, number>> = {};
  for (const [kind, count] of Object.entries(value)) {
    if (!(SIM_KINDS as readonly string[]).includes(kind)) throw new Error(`${where}: unknown device kind "${kind}" (kinds: ${SIM_KINDS.join(', ')})`);
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 10_000) {
      throw new Error(`${where}.${kind} must be a whole number 0–10000, got ${JSON.stringify(count)}`);
    }
    result[kind as SimKind] = count as number;
  }
  return result;
}

/** Validates fleet data (as read from a file) into a FleetSpec; errors name the field. */
export function parseFleetSpec(data: unknown, source = 'fleet'): FleetSpec {
  if (!isRecord(data)) throw new Error(`${source}: a fleet is an object with per_area counts`);
  const unknown = Object.keys(data).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0) throw new Error(`${source}: unknown field "${unknown[0]}" (fields: ${KEYS.join(', ')})`);
  const seed = data.seed ?? DEFAULT_FLEET_SEED;
  if (!Number.isInteger(seed)) throw new Error(`${source}: seed must be an integer`);
  let areas: string[] | undefined;
  if (data.areas !== undefined && data.areas !== 'all') {
    if (!Array.isArray(data.areas) || !data.areas.every((a) => typeof a === 'string' || typeof a === 'number')) {
      throw new Error(`${source}: areas must be "all" or a list of area ids`);
    }
    areas = data.areas.map(String);
  }
  const overrides: Record<string, Partial<Record<SimKind, number>>> = {};
  if (data.area_overrides !== undefined) {
    if (!isRecord(data.area_overrides)) throw new Error(`${source}: area_overrides must map area ids to counts`);
    for (const [area, value] of Object.entries(data.area_overrides)) overrides[area] = counts(value, `${source}: area_overrides.${area}`);
  }
  const intervalsMs = { ...DEFAULT_INTERVALS_MS };
  if (data.interval !== undefined) {
    if (!isRecord(data.interval)) throw new Error(`${source}: interval must map device kinds to durations, e.g. {air: 10s}`);
    for (const [kind, value] of Object.entries(data.interval)) {
      if (!(SIM_KINDS as readonly string[]).includes(kind)) throw new Error(`${source}: interval: unknown device kind "${kind}"`);
      const ms = parseDuration(value, `${source}: interval.${kind}`);
      if (ms < 100) throw new Error(`${source}: interval.${kind} must be at least 100ms`);
      intervalsMs[kind as SimKind] = ms;
    }
  }
  return {
    name: typeof data.name === 'string' ? data.name : source,
    seed: seed as number,
    areas,
    perArea: counts(data.per_area ?? {}, `${source}: per_area`),
    areaOverrides: overrides,
    intervalsMs,
  };
}

/** Reads a fleet file (YAML or JSON). */
export function loadFleetFile(file: string = DEFAULT_FLEET_FILE): FleetSpec {
  return parseFleetSpec(readSpecFile(file), file);
}
