import { Type, type TObject } from 'typebox';

/**
 * The catalogue of device kinds: their metrics (README.md, "MQTT") and the commands they obey (docs/architecture.md,
 * "Device commands"). A new kind, metric or command is one entry here. Browser-safe: the web app reads it too.
 */
export interface MetricSpec {
  unit: string;
  min: number;
  max: number;
  /** Vietnamese label shown on the dashboard. */
  label: string;
  /** Computed by the IOC (e.g. VN_AQI), never accepted from devices. */
  derived?: boolean;
}

/** A command a device kind obeys on `ioc/v1/devices/{id}/cmd`: its arguments as a schema (unknown ones refused). */
export interface CommandSpec {
  /** Vietnamese label shown on the dashboard. */
  label: string;
  args: TObject;
}

export interface DeviceKindSpec {
  label: string;
  metrics: Record<string, MetricSpec>;
  commands: Record<string, CommandSpec>;
}

const battery_v: MetricSpec = { unit: 'V', min: 0, max: 60, label: 'Điện áp pin' };

/** A loudspeaker's playback priority: a play or stop of equal or higher priority preempts the current playback. */
const priority = (fallback: number) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: `0–10, default ${fallback}; equal or higher preempts the current playback` }));
const closed = { additionalProperties: false } as const;

export const DEVICE_KINDS = {
  air: {
    label: 'Trạm quan trắc không khí',
    metrics: {
      pm25: { unit: 'µg/m³', min: 0, max: 1000, label: 'Bụi PM2.5' },
      pm10: { unit: 'µg/m³', min: 0, max: 2000, label: 'Bụi PM10' },
      no2: { unit: 'µg/m³', min: 0, max: 2000, label: 'NO₂' },
      o3: { unit: 'µg/m³', min: 0, max: 1000, label: 'O₃' },
      co: { unit: 'µg/m³', min: 0, max: 100000, label: 'CO' },
      temp_c: { unit: '°C', min: -40, max: 70, label: 'Nhiệt độ' },
      rh: { unit: '%', min: 0, max: 100, label: 'Độ ẩm' },
      battery_v,
      vn_aqi_h: { unit: '', min: 0, max: 500, label: 'VN_AQI giờ', derived: true },
      vn_aqi_d: { unit: '', min: 0, max: 500, label: 'VN_AQI ngày', derived: true },
    },
    commands: {},
  },
  water: {
    label: 'Cảm biến mực nước',
    metrics: {
      level_cm: { unit: 'cm', min: -500, max: 5000, label: 'Mực nước' },
      rain_mm: { unit: 'mm', min: 0, max: 1000, label: 'Lượng mưa' },
      battery_v,
    },
    commands: {},
  },
  noise: {
    label: 'Cảm biến tiếng ồn',
    metrics: { laeq_db: { unit: 'dB(A)', min: 0, max: 160, label: 'Độ ồn LAeq' }, battery_v },
    commands: {},
  },
  camera: {
    label: 'Camera',
    metrics: {
      fps: { unit: 'fps', min: 0, max: 240, label: 'Khung hình/giây' },
      bitrate_kbps: { unit: 'kbit/s', min: 0, max: 200000, label: 'Tốc độ bit' },
      battery_v,
    },
    commands: {},
  },
  speaker: {
    label: 'Loa thông minh',
    metrics: {
      volume: { unit: '%', min: 0, max: 100, label: 'Âm lượng' },
      playing: { unit: '', min: 0, max: 1, label: 'Đang phát' },
      temp_c: { unit: '°C', min: -40, max: 100, label: 'Nhiệt độ' },
      supply_v: { unit: 'V', min: 0, max: 400, label: 'Điện áp nguồn' },
      rssi_dbm: { unit: 'dBm', min: -150, max: 0, label: 'Cường độ tín hiệu' },
      battery_v,
    },
    commands: {
      play: {
        label: 'Phát',
        args: Type.Object(
          { url: Type.String({ pattern: '^https?://', maxLength: 2048, description: 'the http(s) audio stream to play' }), priority: priority(5) },
          closed,
        ),
      },
      stop: { label: 'Dừng phát', args: Type.Object({ priority: priority(10) }, closed) },
      volume: { label: 'Âm lượng', args: Type.Object({ level: Type.Integer({ minimum: 0, maximum: 100, description: 'percent' }) }, closed) },
    },
  },
} as const satisfies Record<string, DeviceKindSpec>;

export type DeviceKind = keyof typeof DEVICE_KINDS;
export const DEVICE_KIND_NAMES = Object.keys(DEVICE_KINDS) as DeviceKind[];

export function isDeviceKind(kind: string): kind is DeviceKind {
  return Object.hasOwn(DEVICE_KINDS, kind);
}

export function metricSpec(kind: DeviceKind, metric: string): MetricSpec | undefined {
  const metrics: Record<string, MetricSpec> = DEVICE_KINDS[kind].metrics;
  return Object.hasOwn(metrics, metric) ? metrics[metric] : undefined;
}

export type CommandType<K extends DeviceKind> = keyof (typeof DEVICE_KINDS)[K]['commands'] & string;

/** The command `type` of a device kind, if it obeys one. */
export function commandSpec(kind: DeviceKind, type: string): CommandSpec | undefined {
  const commands: Record<string, CommandSpec> = DEVICE_KINDS[kind].commands;
  return Object.hasOwn(commands, type) ? commands[type] : undefined;
}

export function commandTypes(kind: DeviceKind): string[] {
  return Object.keys(DEVICE_KINDS[kind].commands);
}
