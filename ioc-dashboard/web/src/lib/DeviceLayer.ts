import type { PickingInfo } from '@deck.gl/core';
import type { AnomalyCategory } from '@ioc/core/contracts';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { AreaLabel } from './areas.ts';
import { deviceState, type Device, type DeviceState } from './fleet.ts';

type Rgba = [number, number, number, number];

export const STATE_COLORS: Record<DeviceState, Rgba> = {
  fresh: [46, 213, 115, 255],
  stale: [255, 171, 0, 255],
  offline: [235, 77, 75, 255],
};

/** Rings around devices with a raised anomaly: a real event, a sensor fault, a camera that cannot see well. */
export const ANOMALY_COLORS: Record<AnomalyCategory, Rgba> = {
  event: [255, 61, 200, 255],
  sensor_fault: [167, 139, 250, 255],
  camera_health: [79, 209, 255, 255],
};

const css = ([r, g, b]: Rgba) => `rgb(${r} ${g} ${b})`;

export function cssColor(state: DeviceState): string {
  return css(STATE_COLORS[state]);
}

export function anomalyCssColor(category: AnomalyCategory): string {
  return css(ANOMALY_COLORS[category]);
}

export interface DeviceLayerProps {
  devices: Device[];
  /** Changes whenever the devices changed (live batch, new snapshot). */
  revision: number;
  /** The clock: colours depend on the age of readings. */
  now: number;
  selectedId: string | null;
  onHover(info: PickingInfo<Device>): void;
  onClick(info: PickingInfo<Device>): void;
}

/** Point radius in pixels: large for a few devices, smaller as the map fills up so the communes stay visible. */
function pointRadius(count: number): number {
  if (count <= 100) return 8;
  return count <= 500 ? 6 : 4.5;
}

/** The devices as points coloured by state; only colours are recomputed on a live update. */
export function deviceLayer(props: DeviceLayerProps): ScatterplotLayer<Device> {
  const radius = pointRadius(props.devices.length);
  return new ScatterplotLayer<Device>({
    id: 'devices',
    data: props.devices,
    getPosition: (d) => d.position as [number, number],
    getFillColor: (d) => STATE_COLORS[deviceState(d, props.now)],
    getLineColor: (d) => (d.id === props.selectedId ? [255, 255, 255, 255] : [10, 18, 32, 255]),
    getLineWidth: (d) => (d.id === props.selectedId ? 3 : 1),
    getRadius: (d) => (d.id === props.selectedId ? radius + 4 : radius),
    radiusUnits: 'pixels',
    lineWidthUnits: 'pixels',
    stroked: true,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 90],
    updateTriggers: {
      getFillColor: [props.revision, props.now],
      getLineColor: props.selectedId,
      getLineWidth: props.selectedId,
      getRadius: [props.selectedId, radius],
    },
    onHover: props.onHover,
    onClick: props.onClick,
  });
}

/** A ring, coloured by the anomaly's category, around each device with a raised anomaly. */
export function anomalyRingLayer(props: { devices: Device[]; anomalies: Map<string, AnomalyCategory>; revision: number }): ScatterplotLayer<Device> {
  const radius = pointRadius(props.devices.length) + 6;
  return new ScatterplotLayer<Device>({
    id: 'anomaly-rings',
    data: props.devices.filter((d) => props.anomalies.has(d.id)),
    getPosition: (d) => d.position as [number, number],
    getLineColor: (d) => ANOMALY_COLORS[props.anomalies.get(d.id) ?? 'event'],
    getRadius: radius,
    radiusUnits: 'pixels',
    getLineWidth: 3.5,
    lineWidthUnits: 'pixels',
    stroked: true,
    filled: false,
    updateTriggers: { getLineColor: props.revision },
  });
}

/** The labels of the areas big enough on screen at this zoom to carry their names. */
export function labelsAtZoom(labels: AreaLabel[], zoom: number): AreaLabel[] {
  return labels.filter((label) => zoom >= label.minZoom);
}

/** Commune/ward names (Vietnamese letters: the glyph atlas is built from the names themselves). */
export function areaLabelLayer(labels: AreaLabel[]): TextLayer<AreaLabel> {
  return new TextLayer<AreaLabel>({
    id: 'area-labels',
    data: labels,
    getPosition: (d) => d.position,
    getText: (d) => d.name,
    characterSet: 'auto',
    fontFamily: '"Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif',
    fontWeight: 600,
    getSize: 13,
    sizeUnits: 'pixels',
    getColor: [200, 214, 235, 190],
    outlineWidth: 3,
    outlineColor: [11, 18, 32, 230],
    fontSettings: { sdf: true },
    getTextAnchor: 'middle',
    getAlignmentBaseline: 'center',
  });
}
