import { DEVICE_KINDS, isDeviceKind, type AlertSeverity } from '@ioc/core';

/**
 * Titles and texts of alerts, Vietnamese and English, from templates naming the device, its commune, the metric,
 * the value and its unit (units and Vietnamese metric names from core's catalogue).
 */
export interface AlertTexts {
  titleVi: string;
  titleEn: string;
  textVi: string;
  textEn: string;
}

const SEVERITY_VI: Record<AlertSeverity, string> = { critical: 'Khẩn cấp', major: 'Nghiêm trọng', minor: 'Trung bình', warning: 'Cảnh báo', info: 'Thông tin' };

/** What the templates say about a place: the device and its commune. */
export interface Where {
  deviceId?: string | null;
  kind?: string | null;
  /** The commune's name, when known. */
  commune?: string | null;
}

const num = (value: number) => String(Math.round(value * 100) / 100);
const withUnit = (value: number, unit: string) => (unit ? `${num(value)} ${unit}` : num(value));

function metricVi(kind: string | null | undefined, metric: string): string {
  if (kind && isDeviceKind(kind)) return (DEVICE_KINDS[kind].metrics as Record<string, { label: string }>)[metric]?.label ?? metric;
  return metric;
}

function placeVi(where: Where): string {
  return `${where.deviceId ? `thiết bị ${where.deviceId}` : ''}${where.deviceId ? ' ' : ''}(${where.commune ?? 'chưa rõ xã/phường'})`;
}

function placeEn(where: Where): string {
  return `${where.deviceId ? `device ${where.deviceId}` : ''}${where.deviceId ? ' ' : ''}(${where.commune ?? 'no commune known'})`;
}

const titled = (severity: AlertSeverity, vi: string, en: string, textVi: string, textEn: string): AlertTexts => ({
  titleVi: `[${SEVERITY_VI[severity]}] ${vi}`,
  titleEn: `[${severity}] ${en}`,
  textVi,
  textEn,
});

/** A metric over (or under) its level: threshold rules, and rate rules with the change per minute as the value. */
export function levelTexts(p: { severity: AlertSeverity; where: Where; metric: string; value: number; unit: string; side: 'above' | 'below'; level: number; rate?: boolean }): AlertTexts {
  const { where, metric, value, unit, side, level } = p;
  const label = metricVi(where.kind, metric);
  if (p.rate) {
    const perMinUnit = `${unit || 'đơn vị'}/phút`;
    const perMinUnitEn = `${unit || 'units'}/min`;
    const verbVi = value >= 0 ? 'tăng' : 'giảm';
    const verbEn = value >= 0 ? 'rising' : 'falling';
    return titled(
      p.severity,
      `${label} ${verbVi} nhanh tại ${placeVi(where)}`,
      `${metric} ${verbEn} fast at ${placeEn(where)}`,
      `${label} tại ${placeVi(where)} ${verbVi} ${withUnit(Math.abs(value), perMinUnit)}, ${side === 'above' ? 'vượt' : 'dưới'} ngưỡng ${withUnit(level, perMinUnit)}.`,
      `${metric} at ${placeEn(where)} is ${verbEn} ${withUnit(Math.abs(value), perMinUnitEn)}, ${side} the threshold of ${withUnit(level, perMinUnitEn)}.`,
    );
  }
  return titled(
    p.severity,
    `${label} ${side === 'above' ? 'vượt ngưỡng' : 'dưới ngưỡng'} tại ${placeVi(where)}`,
    `${metric} ${side} threshold at ${placeEn(where)}`,
    `${label} tại ${placeVi(where)} là ${withUnit(value, unit)}, ${side === 'above' ? 'vượt' : 'dưới'} ngưỡng ${withUnit(level, unit)}.`,
    `${metric} at ${placeEn(where)} is ${withUnit(value, unit)}, ${side} the threshold of ${withUnit(level, unit)}.`,
  );
}

export function offlineTexts(p: { severity: AlertSeverity; where: Where; offline: boolean; forS: number }): AlertTexts {
  const minutes = Math.max(1, Math.round(p.forS / 60));
  return p.offline
    ? titled(p.severity, `Mất kết nối: ${placeVi(p.where)}`, `Offline: ${placeEn(p.where)}`, `${placeVi(p.where)} mất kết nối hơn ${minutes} phút.`, `${placeEn(p.where)} has been offline for more than ${minutes} min.`)
    : titled(
        p.severity,
        `Không có dữ liệu: ${placeVi(p.where)}`,
        `Silent: ${placeEn(p.where)}`,
        `${placeVi(p.where)} không gửi dữ liệu hơn ${minutes} phút.`,
        `${placeEn(p.where)} has sent no data for more than ${minutes} min.`,
      );
}

export function anomalyTexts(p: { severity: AlertSeverity; where: Where; metric: string | null; label: string; score: number }): AlertTexts {
  const onVi = p.metric ? ` ${metricVi(p.where.kind, p.metric)}` : '';
  const onEn = p.metric ? ` in ${p.metric}` : '';
  return titled(
    p.severity,
    `Bất thường (${p.label})${onVi} tại ${placeVi(p.where)}`,
    `Anomaly (${p.label})${onEn} at ${placeEn(p.where)}`,
    `Phát hiện bất thường (${p.label})${onVi} tại ${placeVi(p.where)}, điểm ${num(p.score)}.`,
    `Anomaly (${p.label})${onEn} detected at ${placeEn(p.where)}, score ${num(p.score)}.`,
  );
}

export function areaTexts(p: { severity: AlertSeverity; commune: string; kind: string | null; metric: string; count: number; value: number; unit: string; side: 'above' | 'below'; level: number }): AlertTexts {
  const label = metricVi(p.kind, p.metric);
  return titled(
    p.severity,
    `${label} ${p.side === 'above' ? 'vượt ngưỡng' : 'dưới ngưỡng'} tại ${p.count} thiết bị (${p.commune})`,
    `${p.metric} ${p.side} threshold at ${p.count} devices (${p.commune})`,
    `${p.count} thiết bị tại ${p.commune} có ${label} ${p.side === 'above' ? 'vượt' : 'dưới'} ngưỡng ${withUnit(p.level, p.unit)} (${p.side === 'above' ? 'cao nhất' : 'thấp nhất'} ${withUnit(p.value, p.unit)}).`,
    `${p.count} devices in ${p.commune} have ${p.metric} ${p.side} the threshold of ${withUnit(p.level, p.unit)} (${p.side === 'above' ? 'highest' : 'lowest'} ${withUnit(p.value, p.unit)}).`,
  );
}
