/** The catalogue of device kinds and their metrics (DESIGN.md §4). A new kind is one entry here. */
export interface MetricSpec {
  unit: string;
  min: number;
  max: number;
  /** Vietnamese label shown on the dashboard. */
  label: string;
  /** Computed by the IOC (e.g. VN_AQI), never accepted from devices. */
  derived?: boolean;
}

export interface DeviceKindSpec {
  label: string;
  metrics: Record<string, MetricSpec>;
}

const battery_v: MetricSpec = { unit: 'V', min: 0, max: 60, label: 'Điện áp pin' };

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
  },
  water: {
    label: 'Cảm biến mực nước',
    metrics: {
      level_cm: { unit: 'cm', min: -500, max: 5000, label: 'Mực nước' },
      rain_mm: { unit: 'mm', min: 0, max: 1000, label: 'Lượng mưa' },
      battery_v,
    },
  },
  noise: {
    label: 'Cảm biến tiếng ồn',
    metrics: { laeq_db: { unit: 'dB(A)', min: 0, max: 160, label: 'Độ ồn LAeq' }, battery_v },
  },
  camera: {
    label: 'Camera',
    metrics: {
      fps: { unit: 'fps', min: 0, max: 240, label: 'Khung hình/giây' },
      bitrate_kbps: { unit: 'kbit/s', min: 0, max: 200000, label: 'Tốc độ bit' },
      battery_v,
    },
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
