import { metricSpec } from '@ioc/core';
import type { SimDevice } from './fleet.ts';
import { airReading } from './models/air.ts';
import { BATTERY_EMPTY_V, batteryVoltage } from './models/battery.ts';
import { cameraReading, type CameraTamper } from './models/camera.ts';
import { baseEnvironment, type Environment, type Placed } from './models/environment.ts';
import { noiseReading } from './models/noise.ts';
import { waterReading } from './models/water.ts';
import { faultMetric, type PlannedIncident, type ScenarioPlan, type SpeakerFault } from './scenario.ts';

export type Metrics = Record<string, number>;

/** Rises over the first and falls over the last 15 % of an incident: 0 outside, 1 in the middle. */
export function ramp(incident: PlannedIncident, ts: number): number {
  if (ts < incident.start || ts >= incident.end) return 0;
  const edge = 0.15 * (incident.end - incident.start);
  return Math.min(1, (ts - incident.start) / edge, (incident.end - ts) / edge);
}

/** The environment with the scenario's rain and pollution episodes on top of the everyday weather. */
export function scenarioEnvironment(plan: ScenarioPlan, seed: number): Environment {
  const base = baseEnvironment(seed, plan.startAt);
  const rains = plan.incidents.filter((i) => i.type === 'rain');
  const episodes = plan.incidents.filter((i) => i.type === 'pollution');
  return {
    ...base,
    rainMmH(device: Placed, ts: number) {
      let rain = base.rainMmH(device, ts);
      for (const incident of rains) if (incident.areas.includes(device.areaId)) rain += (incident.intensityMmH ?? 0) * ramp(incident, ts);
      return rain;
    },
    pollution(device: Placed, ts: number) {
      let factor = 1;
      for (const incident of episodes) if (incident.areas.includes(device.areaId)) factor *= 1 + ((incident.factor ?? 1) - 1) * ramp(incident, ts);
      return factor;
    },
  };
}

const BATTERY_KINDS = new Set(['air', 'noise', 'water']);

/** Everything a simulated device reports, as pure functions of (device, simulated time) for one plan and seed. */
export interface SimEngine {
  readonly plan: ScenarioPlan;
  readonly env: Environment;
  /** The incidents of a kind acting on a device at `ts`. */
  active(deviceId: string, ts: number, type?: PlannedIncident['type']): PlannedIncident[];
  /** Whether the device is cut from the network at `ts` (network cut, speaker offline). */
  offline(deviceId: string, ts: number): boolean;
  cameraTamper(deviceId: string, ts: number): CameraTamper | undefined;
  speakerFault(deviceId: string, ts: number): SpeakerFault | undefined;
  /** A sensor's or camera's telemetry at `ts`, with sensor faults applied; undefined when it reports nothing. */
  reading(device: SimDevice, ts: number): Metrics | undefined;
}

export function createSimEngine(plan: ScenarioPlan, seed: number): SimEngine {
  const env = scenarioEnvironment(plan, seed);
  const byDevice = new Map<string, PlannedIncident[]>();
  for (const incident of plan.incidents) {
    for (const id of incident.devices) byDevice.set(id, [...(byDevice.get(id) ?? []), incident]);
  }
  const active = (deviceId: string, ts: number, type?: PlannedIncident['type']) =>
    (byDevice.get(deviceId) ?? []).filter((i) => ts >= i.start && ts < i.end && (type === undefined || i.type === type));

  function healthyReading(device: SimDevice, ts: number): Metrics {
    switch (device.kind) {
      case 'air':
        return { ...airReading(device, ts, env) };
      case 'noise':
        return noiseReading(device, ts, env);
      case 'water':
        return { ...waterReading(device, ts, env) };
      case 'camera':
        return cameraReading(device, ts, env, active(device.id, ts, 'camera_tamper')[0]?.fault as CameraTamper | undefined);
      case 'speaker':
        throw new Error('speaker telemetry comes from its player state');
    }
  }

  function withFault(device: SimDevice, ts: number, metrics: Metrics, incident: PlannedIncident): Metrics | undefined {
    const metric = faultMetric(incident, device.kind);
    const value = metrics[metric];
    if (incident.fault === 'dropout') return undefined;
    if (value === undefined) return metrics;
    const spec = metricSpec(device.kind, metric);
    const bound = (v: number) => Math.round(Math.min(spec?.max ?? v, Math.max(spec?.min ?? v, v)) * 10) / 10;
    if (incident.fault === 'stuck') return { ...metrics, [metric]: healthyReading(device, incident.start)[metric] ?? value };
    if (incident.fault === 'spike') return { ...metrics, [metric]: bound(value * 4 + 50) };
    // Drift: an offset growing steadily to 80 % of the value the sensor read when it began drifting.
    const scale = Math.max(Math.abs(healthyReading(device, incident.start)[metric] ?? value), 10);
    const progress = (ts - incident.start) / (incident.end - incident.start);
    return { ...metrics, [metric]: bound(value + scale * 0.8 * progress) };
  }

  return {
    plan,
    env,
    active,
    offline: (deviceId, ts) =>
      active(deviceId, ts).some((i) => i.type === 'network_cut' || (i.type === 'speaker_fault' && i.fault === 'offline')),
    cameraTamper: (deviceId, ts) => active(deviceId, ts, 'camera_tamper')[0]?.fault as CameraTamper | undefined,
    speakerFault: (deviceId, ts) => active(deviceId, ts, 'speaker_fault')[0]?.fault as SpeakerFault | undefined,
    reading(device, ts) {
      let metrics: Metrics | undefined = healthyReading(device, ts);
      if (BATTERY_KINDS.has(device.kind)) {
        const battery = batteryVoltage(device, ts, env);
        if (battery < BATTERY_EMPTY_V) return undefined;
        metrics.battery_v = battery;
      }
      for (const incident of active(device.id, ts, 'sensor_fault')) {
        metrics = withFault(device, ts, metrics, incident);
        if (!metrics) return undefined;
      }
      return metrics;
    },
  };
}
