import { loadHueAreas, type Area } from '@ioc/core';
import { randomPointInArea } from './placement.ts';
import { hashString, seededRandom } from './random.ts';

/** What makes one simulated air-quality station differ from its neighbours. */
export interface StationProfile {
  /** Multiplier of the regional particulate level (urban wards breathe more traffic). */
  pmFactor: number;
  /** PM10 / PM2.5 ratio of the local dust mix (> 1). */
  pm10Ratio: number;
  /** Offset of the local temperature, °C (sensor placement, shade, river). */
  tempOffset: number;
  /** Offset of the local relative humidity, %. */
  rhOffset: number;
}

/** A simulated device of the fleet: registry fields plus its behaviour. */
export interface SimDevice {
  id: string;
  kind: 'air';
  areaId: string;
  lat: number;
  lon: number;
  profile: StationProfile;
}

export const DEFAULT_FLEET_SEED = 1802;

/** Id of the n-th air-quality station of an area, e.g. air-19753-1. */
export function airStationId(areaId: string, n = 1): string {
  return `air-${areaId}-${n}`;
}

/**
 * One air-quality station per commune/ward of Huế, placed at a seeded random point inside its area: the same
 * seed gives the same fleet.
 */
export function hueAirFleet(options: { seed?: number; areas?: Area[] } = {}): SimDevice[] {
  const seed = options.seed ?? DEFAULT_FLEET_SEED;
  const areas = (options.areas ?? loadHueAreas()).filter((area) => area.level !== 'city');
  return areas.map((area) => {
    const id = airStationId(area.id);
    const random = seededRandom(seed ^ hashString(id));
    const { lat, lon } = randomPointInArea(area, random);
    const urban = area.level === 'ward';
    return {
      id,
      kind: 'air',
      areaId: area.id,
      lat,
      lon,
      profile: {
        pmFactor: (urban ? 1.15 : 0.8) * (0.85 + 0.3 * random()),
        pm10Ratio: 1.4 + 0.5 * random(),
        tempOffset: -0.8 + 1.6 * random(),
        rhOffset: -3 + 6 * random(),
      },
    };
  });
}
