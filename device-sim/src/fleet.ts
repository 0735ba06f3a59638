import { loadHueAreas, type Area } from '@ioc/core';
import { randomPointInArea } from './placement.ts';
import { hashString, seededRandom } from './random.ts';
import { distanceToWater } from './waterways.ts';

/** The kinds of device the simulator drives (catalogue kinds). */
export const SIM_KINDS = ['air', 'noise', 'water', 'camera', 'speaker'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

/** What makes one simulated device differ from its neighbours; each model reads the fields it needs. */
export interface DeviceProfile {
  /** Multiplier of the regional pollutant level (urban wards breathe more traffic). */
  pmFactor: number;
  /** PM10 / PM2.5 ratio of the local dust mix (> 1). */
  pm10Ratio: number;
  /** Offset of the local temperature, °C (placement, shade, river). */
  tempOffset: number;
  /** Offset of the local relative humidity, %. */
  rhOffset: number;
  /** A water gauge's usual level, cm, its tide amplitude, cm, and its rise per mm of recent rain. */
  baseLevelCm: number;
  tideCm: number;
  riverGain: number;
  /** A noise meter's quiet-night level, dB(A). */
  noiseBaseDb: number;
  /** Battery at the start of the run, V, and its drain, V/day. */
  batteryFullV: number;
  batteryDrainVPerDay: number;
  /** A loudspeaker's usual received signal strength, dBm. */
  rssiDbm: number;
}

/** A simulated device of the fleet: registry fields plus its behaviour. */
export interface SimDevice {
  id: string;
  kind: SimKind;
  areaId: string;
  lat: number;
  lon: number;
  /** Mean time between two reports, simulated ms. */
  intervalMs: number;
  profile: DeviceProfile;
}

/** A fleet as its file describes it (see fleet-file.ts). */
export interface FleetSpec {
  name: string;
  seed: number;
  /** Communes/wards that get devices (default all 40). */
  areas?: string[];
  /** Devices of each kind in every commune. */
  perArea: Partial<Record<SimKind, number>>;
  /** Per-commune counts replacing perArea's for that commune. */
  areaOverrides?: Record<string, Partial<Record<SimKind, number>>>;
  /** Mean report interval of each kind, simulated ms. */
  intervalsMs: Record<SimKind, number>;
}

export const DEFAULT_FLEET_SEED = 1802;
export const DEFAULT_INTERVALS_MS: Record<SimKind, number> = { air: 10_000, noise: 10_000, water: 30_000, camera: 30_000, speaker: 30_000 };

/** Id of the n-th device of a kind in an area, e.g. air-19753-1. */
export function simDeviceId(kind: SimKind, areaId: string, n = 1): string {
  return `${kind}-${areaId}-${n}`;
}

/** Id of the n-th air-quality station of an area, e.g. air-19753-1. */
export function airStationId(areaId: string, n = 1): string {
  return simDeviceId('air', areaId, n);
}

/** Water gauges stand on a bank: the closest to a waterway of many seeded points inside the commune. */
function riversidePoint(area: Area, random: () => number): { lat: number; lon: number } {
  let best = randomPointInArea(area, random);
  let bestDistance = distanceToWater(best.lon, best.lat);
  for (let i = 0; i < 300; i++) {
    const candidate = randomPointInArea(area, random);
    const distance = distanceToWater(candidate.lon, candidate.lat);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function profileFor(kind: SimKind, urban: boolean, random: () => number): DeviceProfile {
  return {
    pmFactor: (urban ? 1.15 : 0.8) * (0.85 + 0.3 * random()),
    pm10Ratio: 1.4 + 0.5 * random(),
    tempOffset: -0.8 + 1.6 * random(),
    rhOffset: -3 + 6 * random(),
    baseLevelCm: 80 + 120 * random(),
    tideCm: 5 + 15 * random(),
    riverGain: 0.6 + 0.6 * random(),
    noiseBaseDb: (urban ? 47 : 39) + 3 * random(),
    batteryFullV: 4.1 + 0.1 * random(),
    batteryDrainVPerDay: kind === 'air' || kind === 'noise' || kind === 'water' ? 0.01 + 0.03 * random() : 0,
    rssiDbm: -88 + 25 * random(),
  };
}

/**
 * The devices a fleet spec describes, each at a seeded random point inside its commune (water gauges on a river or
 * lagoon bank; a commune's loudspeakers around its centre of activity). The same spec gives the same fleet.
 */
export function buildFleet(spec: FleetSpec, allAreas: Area[] = loadHueAreas()): SimDevice[] {
  const communes = allAreas.filter((area) => area.level !== 'city');
  const areas = spec.areas ? spec.areas.map((id) => communes.find((a) => a.id === id) ?? unknownArea(id)) : communes;
  const devices: SimDevice[] = [];
  for (const area of areas) {
    const counts = spec.areaOverrides?.[area.id] ?? spec.perArea;
    for (const kind of SIM_KINDS) {
      for (let n = 1; n <= (counts[kind] ?? 0); n++) {
        const id = simDeviceId(kind, area.id, n);
        const random = seededRandom(spec.seed ^ hashString(id));
        const { lat, lon } = kind === 'water' ? riversidePoint(area, random) : randomPointInArea(area, random);
        const profile = profileFor(kind, area.level === 'ward', random);
        devices.push({ id, kind, areaId: area.id, lat, lon, intervalMs: spec.intervalsMs[kind], profile });
      }
    }
  }
  return devices;
}

function unknownArea(id: string): never {
  throw new Error(`fleet: unknown area "${id}" (use the ids of the Huế communes and wards)`);
}

/** One air-quality station per commune/ward of Huế (the original demo fleet). */
export function hueAirFleet(options: { seed?: number; areas?: Area[] } = {}): SimDevice[] {
  const spec: FleetSpec = { name: 'hue-air', seed: options.seed ?? DEFAULT_FLEET_SEED, perArea: { air: 1 }, intervalsMs: DEFAULT_INTERVALS_MS };
  return buildFleet(spec, options.areas);
}
