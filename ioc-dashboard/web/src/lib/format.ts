import type { Timestamp } from './types.ts';

/** Times are shown in Huế's time zone whatever the browser's own. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** Epoch milliseconds of a server timestamp (epoch ms or ISO 8601); null when absent or unreadable. */
export function toEpochMs(value: Timestamp | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${withDate}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', {
      timeZone: TIME_ZONE,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      ...(withDate ? { day: '2-digit', month: '2-digit', year: 'numeric' } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** "14:03:27" for today (in Huế), with the date for any other day. */
export function formatTime(ms: number, locale: string, now: number): string {
  return formatter(locale, dayKey.format(ms) !== dayKey.format(now)).format(ms);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });
    numberFormats.set(locale, f);
  }
  return f;
}

/** A number in the locale's style, e.g. "1.234,5" in Vietnamese. */
export function formatNumber(value: number, locale: string): string {
  return numberFormat(locale).format(value);
}

/** A metric value with its unit, e.g. "35,2 µg/m³" in Vietnamese. */
export function formatValue(value: number, unit: string, locale: string): string {
  const number = formatNumber(value, locale);
  return unit ? `${number} ${unit}` : number;
}
