import { fileURLToPath } from 'node:url';
import { boundingBox, loadHueAreas, type Area } from '@ioc/core';
import type { SimDevice, SimKind } from './fleet.ts';
import { CAMERA_TAMPERS, type CameraTamper } from './models/camera.ts';
import { hashString, seededRandom } from './random.ts';
import { isRecord, parseDuration, readSpecFile } from './spec-file.ts';

export const SENSOR_FAULTS = ['spike', 'stuck', 'drift', 'dropout'] as const;
export type SensorFault = (typeof SENSOR_FAULTS)[number];
export const SPEAKER_FAULTS = ['offline', 'amplifier_fault', 'low_voltage', 'weak_signal'] as const;
export type SpeakerFault = (typeof SPEAKER_FAULTS)[number];
export const INCIDENT_TYPES = ['pollution', 'rain', 'sensor_fault', 'camera_tamper', 'speaker_fault', 'network_cut'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** One incident of a scenario file, times relative to the scenario's start. */
export interface IncidentSpec {
  type: IncidentType;
  startMs: number;
  durationMs: number;
  /** Explicit targets; otherwise seeded picks (`count` communes or devices, `kind`, `fraction`). */
  areas?: string[];
  devices?: string[];
  count?: number;
  kind?: SimKind;
  fraction?: number;
  /** pollution: emission multiplier at the peak. rain: mm/h at the peak. */
  factor?: number;
  intensityMmH?: number;
  /** sensor_fault / camera_tamper / speaker_fault: which one. */
  fault?: SensorFault | CameraTamper | SpeakerFault;
  metric?: string;
}

export interface ScenarioSpec {
  name: string;
  durationMs: number;
  incidents: IncidentSpec[];
}

/** An incident placed on the simulated timeline with its resolved targets. */
export interface PlannedIncident extends IncidentSpec {
  index: number;
  /** The ground-truth label of what the devices show (e.g. flood, stuck, covered_lens, offline, network_cut). */
  label: string;
  start: number;
  end: number;
  areas: string[];
  devices: string[];
}

/** One line of ground truth: a device showing an injected incident from `start` to `end` (simulated epoch ms). */
export interface GroundTruth {
  device: string;
  kind: SimKind;
  type: string;
  start: number;
  end: number;
  incident: number;
  scenario: string;
}

export const DEFAULT_SCENARIO_FILE = fileURLToPath(new URL('../scenarios/gentle.yaml', import.meta.url));
/** The scenario with every kind of incident (pollution, flood, spike, stuck, drift, dropout, a network cut). */
export const STORM_SCENARIO_FILE = fileURLToPath(new URL('../scenarios/storm.yaml', import.meta.url));

const DEFAULT_METRIC: Record<SimKind, string> = { air: 'pm25', noise: 'laeq_db', water: 'level_cm', camera: 'bitrate_kbps', speaker: 'temp_c' };
const INCIDENT_KEYS = ['type', 'start', 'duration', 'areas', 'devices', 'count', 'kind', 'fraction', 'factor', 'intensity_mm_h', 'fault', 'metric'];

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new Error(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function positive(value: unknown, where: string, max = Infinity): number {
  if (typeof value !== 'number' || !(value > 0) || value > max) throw new Error(`${where} must be a number > 0${max < Infinity ? ` and ≤ ${max}` : ''}`);
  return value;
}

function ids(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw new Error(`${where} must be a non-empty list of ids`);
  }
  return value.map(String);
}

function parseIncident(data: unknown, where: string): IncidentSpec {
  if (!isRecord(data)) throw new Error(`${where} must be an object with a type`);
  const unknown = Object.keys(data).filter((key) => !INCIDENT_KEYS.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: unknown field "${unknown[0]}"`);
  const type = oneOf(data.type, INCIDENT_TYPES, `${where}.type`);
  const incident: IncidentSpec = {
    type,
    startMs: parseDuration(data.start ?? 0, `${where}.start`),
    durationMs: parseDuration(data.duration, `${where}.duration`),
  };
  if (incident.durationMs <= 0) throw new Error(`${where}.duration must be longer than 0`);
  if (data.areas !== undefined) incident.areas = ids(data.areas, `${where}.areas`);
  if (data.devices !== undefined) incident.devices = ids(data.devices, `${where}.devices`);
  if (data.count !== undefined) {
    if (!Number.isInteger(data.count) || (data.count as number) < 1) throw new Error(`${where}.count must be a whole number ≥ 1`);
    incident.count = data.count as number;
  }
  if (data.fraction !== undefined) incident.fraction = positive(data.fraction, `${where}.fraction`, 1);
  if (data.kind !== undefined) incident.kind = oneOf(data.kind, ['air', 'noise', 'water', 'camera', 'speaker'] as const, `${where}.kind`);
  if (data.metric !== undefined) {
    if (typeof data.metric !== 'string') throw new Error(`${where}.metric must be a metric name`);
    incident.metric = data.metric;
  }
  if (type === 'pollution') incident.factor = positive(data.factor ?? 3, `${where}.factor`);
  if (type === 'rain') incident.intensityMmH = positive(data.intensity_mm_h ?? 30, `${where}.intensity_mm_h`, 500);
  if (type === 'sensor_fault') incident.fault = oneOf(data.fault, SENSOR_FAULTS, `${where}.fault`);
  if (type === 'camera_tamper') incident.fault = oneOf(data.fault, CAMERA_TAMPERS, `${where}.fault`);
  if (type === 'speaker_fault') incident.fault = oneOf(data.fault, SPEAKER_FAULTS, `${where}.fault`);
  return incident;
}

/** Validates scenario data (as read from a file); errors name the incident and field. */
export function parseScenarioSpec(data: unknown, source = 'scenario'): ScenarioSpec {
  if (!isRecord(data)) throw new Error(`${source}: a scenario is an object with a duration and incidents`);
  const incidents = data.incidents ?? [];
  if (!Array.isArray(incidents)) throw new Error(`${source}: incidents must be a list`);
  const spec: ScenarioSpec = {
    name: typeof data.name === 'string' ? data.name : source,
    durationMs: parseDuration(data.duration, `${source}: duration`),
    incidents: incidents.map((incident, i) => parseIncident(incident, `${source}: incidents[${i}]`)),
  };
  for (const [i, incident] of spec.incidents.entries()) {
    if (incident.startMs + incident.durationMs > spec.durationMs) throw new Error(`${source}: incidents[${i}] ends after the scenario's duration`);
  }
  return spec;
}

export function loadScenarioFile(file: string = DEFAULT_SCENARIO_FILE): ScenarioSpec {
  return parseScenarioSpec(readSpecFile(file), file);
}

function centre(area: Area): [number, number] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(area.geometry);
  return [(minLon + maxLon) / 2, (minLat + maxLat) / 2];
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** `count` neighbouring communes of the fleet: a seeded first one and those nearest to it. */
function neighbouringAreas(fleetAreas: string[], count: number, random: () => number, allAreas: Area[]): string[] {
  const areas = allAreas.filter((a) => fleetAreas.includes(a.id));
  const first = areas[Math.floor(random() * areas.length)];
  if (!first) return [];
  const [x, y] = centre(first);
  return areas
    .map((area) => ({ id: area.id, d: Math.hypot(centre(area)[0] - x, centre(area)[1] - y) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, count)
    .map((a) => a.id);
}

const TARGET_KIND: Partial<Record<IncidentType, SimKind>> = { pollution: 'air', rain: 'water', camera_tamper: 'camera', speaker_fault: 'speaker' };

function resolveTargets(incident: IncidentSpec, fleet: readonly SimDevice[], random: () => number, allAreas: Area[]): { areas: string[]; devices: string[] } {
  const known = new Set(fleet.map((d) => d.id));
  for (const id of incident.devices ?? []) if (!known.has(id)) throw new Error(`scenario: device "${id}" is not in the fleet`);
  const fleetAreas = [...new Set(fleet.map((d) => d.areaId))];
  for (const id of incident.areas ?? []) if (!fleetAreas.includes(id)) throw new Error(`scenario: area "${id}" has no device of the fleet`);
  const kind = incident.kind ?? TARGET_KIND[incident.type];
  const ofKind = (d: SimDevice) => kind === undefined || d.kind === kind;

  if (incident.type === 'pollution' || incident.type === 'rain') {
    const areas = incident.areas ?? neighbouringAreas(fleetAreas, incident.count ?? 3, random, allAreas);
    return { areas, devices: fleet.filter((d) => d.kind === TARGET_KIND[incident.type] && areas.includes(d.areaId)).map((d) => d.id) };
  }
  if (incident.devices) return { areas: [...new Set(fleet.filter((d) => incident.devices!.includes(d.id)).map((d) => d.areaId))], devices: incident.devices };
  if (incident.type === 'speaker_fault' || incident.areas) {
    // A whole cluster: every device of the kind in the chosen communes.
    const areas = incident.areas ?? shuffled(fleetAreas.filter((a) => fleet.some((d) => d.areaId === a && ofKind(d))), random).slice(0, incident.count ?? 1);
    return { areas, devices: fleet.filter((d) => areas.includes(d.areaId) && ofKind(d)).map((d) => d.id) };
  }
  const candidates = fleet.filter(ofKind);
  const count = incident.fraction !== undefined ? Math.round(candidates.length * incident.fraction) : (incident.count ?? 1);
  const devices = shuffled(candidates, random).slice(0, count).map((d) => d.id);
  return { areas: [...new Set(fleet.filter((d) => devices.includes(d.id)).map((d) => d.areaId))], devices };
}

function labelOf(incident: IncidentSpec): string {
  if (incident.type === 'pollution') return 'pollution';
  if (incident.type === 'rain') return 'flood';
  if (incident.type === 'network_cut') return 'network_cut';
  return incident.fault as string;
}

/** A scenario placed on the timeline from `startAt`, targets resolved with `seed`: the same inputs, the same plan. */
export interface ScenarioPlan {
  name: string;
  startAt: number;
  endAt: number;
  incidents: PlannedIncident[];
}

export function planScenario(spec: ScenarioSpec, fleet: readonly SimDevice[], options: { seed: number; startAt: number; areas?: Area[] }): ScenarioPlan {
  const allAreas = options.areas ?? loadHueAreas();
  const incidents = spec.incidents.map((incident, index): PlannedIncident => {
    const random = seededRandom(options.seed ^ hashString(`${spec.name}#${index}`));
    const targets = resolveTargets(incident, fleet, random, allAreas);
    const metric = incident.type === 'sensor_fault' ? (incident.metric ?? undefined) : undefined;
    const start = options.startAt + incident.startMs;
    return { ...incident, ...targets, ...(metric ? { metric } : {}), index, label: labelOf(incident), start, end: start + incident.durationMs };
  });
  return { name: spec.name, startAt: options.startAt, endAt: options.startAt + spec.durationMs, incidents };
}

/** The metric a sensor fault changes on a device (the incident's, else the kind's main metric). */
export function faultMetric(incident: IncidentSpec, kind: SimKind): string {
  return incident.metric ?? DEFAULT_METRIC[kind];
}

/** The ground truth of a plan: one line per device and incident, in order of start. */
export function groundTruth(plan: ScenarioPlan, fleet: readonly SimDevice[]): GroundTruth[] {
  const kinds = new Map(fleet.map((d) => [d.id, d.kind]));
  return plan.incidents
    .flatMap((incident) =>
      incident.devices.map((device) => ({
        device,
        kind: kinds.get(device) as SimKind,
        type: incident.label,
        start: incident.start,
        end: incident.end,
        incident: incident.index,
        scenario: plan.name,
      })),
    )
    .sort((a, b) => a.start - b.start || a.incident - b.incident || a.device.localeCompare(b.device));
}
