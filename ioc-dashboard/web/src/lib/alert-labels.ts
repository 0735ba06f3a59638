import type { AlertSeverity, AlertState } from '@ioc/core/contracts';
import type { WallAlert } from './alert-board.ts';
import { i18n, t } from './i18n.svelte.ts';
import type { GroupField, MatcherName, RuleType, Silence, Subscriber } from './types.ts';

/** Words for the alerting API's enums. Each record is keyed by the server's type, so a value added there fails the build here until it has words. */
type Words<K extends string> = Record<K, { vi: string; en: string }>;

const SEVERITIES: Words<AlertSeverity> = {
  critical: { vi: 'Khẩn cấp', en: 'Critical' },
  major: { vi: 'Nghiêm trọng', en: 'Major' },
  minor: { vi: 'Trung bình', en: 'Minor' },
  warning: { vi: 'Cảnh báo', en: 'Warning' },
  info: { vi: 'Thông tin', en: 'Info' },
};

const STATES: Words<AlertState> = {
  firing: { vi: 'Đang cảnh báo', en: 'Firing' },
  acknowledged: { vi: 'Đã xác nhận', en: 'Acknowledged' },
  resolved: { vi: 'Đã kết thúc', en: 'Resolved' },
};

const RULE_TYPES: Words<RuleType> = {
  threshold: { vi: 'Vượt ngưỡng', en: 'Threshold' },
  rate: { vi: 'Tốc độ thay đổi', en: 'Rate of change' },
  offline: { vi: 'Mất kết nối', en: 'Offline' },
  anomaly: { vi: 'Bất thường', en: 'Anomaly' },
  area: { vi: 'Nhiều thiết bị một xã/phường', en: 'Area' },
};

const MATCHERS: Words<MatcherName> = {
  ruleId: { vi: 'Quy tắc', en: 'Rule' },
  deviceId: { vi: 'Thiết bị', en: 'Device' },
  areaId: { vi: 'Xã/phường', en: 'Commune' },
  kind: { vi: 'Loại thiết bị', en: 'Device kind' },
  metric: { vi: 'Chỉ số', en: 'Metric' },
  severity: { vi: 'Mức độ', en: 'Severity' },
};

/** The alert fields a rule's notifications may be grouped by: the same words as the matchers'. */
const GROUP_FIELDS: Words<GroupField> = { deviceId: MATCHERS.deviceId, areaId: MATCHERS.areaId, kind: MATCHERS.kind, metric: MATCHERS.metric, severity: MATCHERS.severity };

type Channel = Subscriber['channels'][number];
const CHANNELS: Words<Channel> = {
  sms: { vi: 'SMS', en: 'SMS' },
  zns: { vi: 'Zalo ZNS', en: 'Zalo ZNS' },
  zalo_oa: { vi: 'Zalo OA', en: 'Zalo OA' },
  webhook: { vi: 'Webhook', en: 'Webhook' },
};

const SILENCE_STATES: Words<Silence['state']> = {
  pending: { vi: 'Chưa bắt đầu', en: 'Pending' },
  active: { vi: 'Đang hiệu lực', en: 'Active' },
  expired: { vi: 'Đã hết hạn', en: 'Expired' },
};

const keys = <K extends string>(words: Words<K>) => Object.keys(words) as K[];
const say = <K extends string>(words: Words<K>, key: K) => words[key]?.[i18n.locale] ?? key;

export const SEVERITY_OPTIONS = keys(SEVERITIES);
export const STATE_OPTIONS = keys(STATES);
export const RULE_TYPE_OPTIONS = keys(RULE_TYPES);
export const MATCHER_OPTIONS = keys(MATCHERS);
export const CHANNEL_OPTIONS = keys(CHANNELS);
export const GROUP_FIELD_OPTIONS = keys(GROUP_FIELDS);

export const severityLabel = (severity: AlertSeverity) => say(SEVERITIES, severity);
export const alertStateLabel = (state: AlertState) => say(STATES, state);
export const ruleTypeLabel = (type: RuleType) => say(RULE_TYPES, type);
export const matcherLabel = (name: MatcherName) => say(MATCHERS, name);
export const channelLabel = (channel: Channel) => say(CHANNELS, channel);
export const groupFieldLabel = (field: GroupField) => say(GROUP_FIELDS, field);
export const silenceStateLabel = (state: Silence['state']) => say(SILENCE_STATES, state);

/** The alert's title in the page's language. */
export const alertTitle = (alert: WallAlert) => (i18n.locale === 'vi' ? alert.titleVi : alert.titleEn);
export const alertText = (alert: WallAlert) => (i18n.locale === 'vi' ? alert.textVi : alert.textEn);

/** Who did something: `user:<name>` is the name, `rule` the rule's own doing. */
export const actorLabel = (actor: string | null) => (actor === null ? '' : actor === 'rule' ? t('byRule') : actor.replace(/^user:/, ''));

/** How long ago, compactly: "45 giây", "12 phút", "3 giờ 5 phút", "2 ngày" (or "45 s", "12 min", "3 h 5 min", "2 d"). */
export function formatAge(ms: number): string {
  const vi = i18n.locale === 'vi';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return vi ? `${s} giây` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return vi ? `${m} phút` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return vi ? `${h} giờ ${m % 60} phút` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return vi ? `${d} ngày` : `${d} d`;
}

/** CSS colour of a severity (the wall's palette: red for the worst, blue for information). */
export const SEVERITY_COLORS: Record<AlertSeverity, string> = {
  critical: '#ff3b3b',
  major: '#ff8c1a',
  minor: '#ffd23f',
  warning: '#b48cff',
  info: '#4fd1ff',
};
