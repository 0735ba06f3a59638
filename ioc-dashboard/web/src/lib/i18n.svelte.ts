import { DEVICE_KINDS, isDeviceKind, metricSpec } from '@ioc/core/catalogue';
import { alertsEn, alertsVi } from './i18n-alerts.ts';

/** UI text, Vietnamese first, English as the alternative. Metric and kind labels come from the core catalogue. */
export type Locale = 'vi' | 'en';

const vi = {
  title: 'Trung tâm Giám sát, Điều hành Thông minh Huế',
  shortTitle: 'IOC Huế',
  loginTitle: 'Đăng nhập hệ thống',
  username: 'Tên đăng nhập',
  password: 'Mật khẩu',
  signIn: 'Đăng nhập',
  signingIn: 'Đang đăng nhập…',
  signOut: 'Đăng xuất',
  loginFailed: 'Đăng nhập không thành công',
  loading: 'Đang tải…',
  loadFailed: 'Không tải được dữ liệu',
  retry: 'Thử lại',
  devicesTotal: 'Tổng thiết bị',
  online: 'Trực tuyến',
  offline: 'Mất kết nối',
  stale: 'Dữ liệu cũ',
  fresh: 'Đang cập nhật',
  live: 'Kết nối trực tiếp',
  connected: 'Đã kết nối',
  connecting: 'Đang kết nối…',
  disconnected: 'Mất kết nối',
  updates: 'Bản tin đã nhận',
  recent: 'Cập nhật gần đây',
  noRecent: 'Chưa có dữ liệu mới',
  device: 'Thiết bị',
  kind: 'Loại',
  commune: 'Xã/phường',
  state: 'Trạng thái',
  lastUpdate: 'Cập nhật lúc',
  never: 'chưa có',
  legend: 'Chú giải',
  language: 'English',
  anomalies: 'Cảnh báo bất thường',
  noAnomalies: 'Không có cảnh báo',
  since: 'từ',
  cleared: 'đã hết',
  event: 'Sự kiện thực',
  sensor_fault: 'Lỗi cảm biến',
  camera_health: 'Tình trạng camera',
  ...alertsVi,
} as const;

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  title: 'Huế Intelligent Operations Centre',
  shortTitle: 'Huế IOC',
  loginTitle: 'Sign in',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  loginFailed: 'Sign-in failed',
  loading: 'Loading…',
  loadFailed: 'Could not load data',
  retry: 'Retry',
  devicesTotal: 'Devices',
  online: 'Online',
  offline: 'Offline',
  stale: 'Stale',
  fresh: 'Reporting',
  live: 'Live connection',
  connected: 'Connected',
  connecting: 'Connecting…',
  disconnected: 'Disconnected',
  updates: 'Messages received',
  recent: 'Recently updated',
  noRecent: 'No new data yet',
  device: 'Device',
  kind: 'Kind',
  commune: 'Commune/ward',
  state: 'State',
  lastUpdate: 'Updated at',
  never: 'never',
  legend: 'Legend',
  language: 'Tiếng Việt',
  anomalies: 'Anomalies',
  noAnomalies: 'No anomalies',
  since: 'since',
  cleared: 'cleared',
  event: 'Real event',
  sensor_fault: 'Sensor fault',
  camera_health: 'Camera health',
  ...alertsEn,
};

/** Anomaly labels (ioc/v1/anomalies) in plain words. */
const anomalyLabels: Record<string, { vi: string; en: string }> = {
  episode: { vi: 'Sự cố môi trường', en: 'Environmental episode' },
  anomaly: { vi: 'Số liệu bất thường', en: 'Unusual readings' },
  frigate_alert: { vi: 'Cảnh báo từ camera', en: 'Camera alert' },
  sensor_fault: { vi: 'Lỗi cảm biến', en: 'Sensor fault' },
  lost_signal: { vi: 'Mất tín hiệu camera', en: 'Camera signal lost' },
  covered_lens: { vi: 'Ống kính bị che', en: 'Lens covered' },
  defocus: { vi: 'Hình ảnh bị mờ', en: 'Out of focus' },
  frozen_image: { vi: 'Hình ảnh bị đứng', en: 'Frozen image' },
  moved_camera: { vi: 'Camera bị lệch hướng', en: 'Camera moved' },
  overexposed: { vi: 'Ảnh quá sáng', en: 'Overexposed' },
  underexposed: { vi: 'Ảnh quá tối', en: 'Underexposed' },
};

/** What an anomaly's metric stands for when it is not a catalogue metric. */
const anomalyMetrics: Record<string, { vi: string; en: string }> = {
  camera_health: { vi: 'Hình ảnh camera', en: 'Camera picture' },
  telemetry: { vi: 'Không gửi dữ liệu', en: 'No data sent' },
};

const kindsEn: Record<string, string> = {
  air: 'Air-quality station',
  water: 'Water-level sensor',
  noise: 'Noise sensor',
  camera: 'Camera',
  speaker: 'Smart loudspeaker',
};

const metricsEn: Record<string, string> = {
  pm25: 'PM2.5',
  pm10: 'PM10',
  no2: 'NO₂',
  o3: 'O₃',
  co: 'CO',
  temp_c: 'Temperature',
  rh: 'Humidity',
  battery_v: 'Battery',
  level_cm: 'Water level',
  rain_mm: 'Rainfall',
  laeq_db: 'Noise LAeq',
  fps: 'Frames/s',
  bitrate_kbps: 'Bit rate',
  volume: 'Volume',
  playing: 'Playing',
  supply_v: 'Supply voltage',
  rssi_dbm: 'Signal strength',
};

export const i18n = $state<{ locale: Locale }>({ locale: 'vi' });

export function t(key: MessageKey): string {
  return i18n.locale === 'vi' ? vi[key] : en[key];
}

export function toggleLocale(): void {
  i18n.locale = i18n.locale === 'vi' ? 'en' : 'vi';
  document.documentElement.lang = i18n.locale;
}

export function kindLabel(kind: string): string {
  if (i18n.locale === 'en') return kindsEn[kind] ?? kind;
  return isDeviceKind(kind) ? DEVICE_KINDS[kind].label : kind;
}

/** A metric's label and unit for a device kind, e.g. { label: 'Bụi PM2.5', unit: 'µg/m³' }. */
export function metricLabel(kind: string, metric: string): { label: string; unit: string } {
  const spec = isDeviceKind(kind) ? metricSpec(kind, metric) : undefined;
  const label = i18n.locale === 'en' ? (metricsEn[metric] ?? metric) : (spec?.label ?? metric);
  return { label, unit: spec?.unit ?? '' };
}

export function anomalyLabel(label: string): string {
  return anomalyLabels[label]?.[i18n.locale] ?? label;
}

/** The metric an anomaly blames, in words ('' for none). */
export function anomalyMetricLabel(kind: string, metric: string | null): string {
  if (metric === null) return '';
  return anomalyMetrics[metric]?.[i18n.locale] ?? metricLabel(kind, metric).label;
}
