import type { StyleSpecification } from 'maplibre-gl';
import type { AreaCollection } from './types.ts';

export const COLORS = {
  background: '#0b1220',
  communeFill: '#16243a',
  communeFillAlt: '#1b2c46',
  communeLine: '#3d5a80',
  cityLine: '#4fd1ff',
} as const;

/**
 * A self-contained style: a background, the communes as fill + line, the city outline emphasised.
 * No tiles, sprites or glyphs, so nothing is fetched from the internet; names are drawn by deck.gl.
 */
export function hueStyle(areas: AreaCollection): StyleSpecification {
  return {
    version: 8,
    name: 'hue-ioc-dark',
    sources: {
      areas: { type: 'geojson', data: { type: 'FeatureCollection', features: areas.features } as GeoJSON.FeatureCollection },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
      {
        id: 'commune-fill',
        type: 'fill',
        source: 'areas',
        filter: ['!=', ['get', 'level'], 'city'],
        paint: {
          'fill-color': ['match', ['get', 'level'], 'ward', COLORS.communeFillAlt, COLORS.communeFill],
          'fill-opacity': 0.95,
        },
      },
      {
        id: 'commune-line',
        type: 'line',
        source: 'areas',
        filter: ['!=', ['get', 'level'], 'city'],
        paint: { 'line-color': COLORS.communeLine, 'line-width': 1 },
      },
      {
        id: 'city-glow',
        type: 'line',
        source: 'areas',
        filter: ['==', ['get', 'level'], 'city'],
        paint: { 'line-color': COLORS.cityLine, 'line-width': 8, 'line-opacity': 0.18, 'line-blur': 4 },
      },
      {
        id: 'city-line',
        type: 'line',
        source: 'areas',
        filter: ['==', ['get', 'level'], 'city'],
        paint: { 'line-color': COLORS.cityLine, 'line-width': 2.5 },
      },
    ],
  };
}
