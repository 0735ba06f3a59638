import type { QuietHours } from './subscribers.ts';

/** Asia/Ho_Chi_Minh is UTC+7 all year (Vietnam keeps no daylight saving time), so a fixed offset is exact. */
const OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the subscriber's quiet hours around `now` end (epoch ms), or null when `now` is outside them. A range whose
 * end is before its start (22:00-06:00) runs over midnight; equal ends mean no quiet hours.
 */
export function quietUntil(quiet: QuietHours | null, now: number): number | null {
  if (!quiet) return null;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return null;
  const local = now + OFFSET_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  const minute = Math.floor((local - dayStart) / MINUTE_MS);
  const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  if (!inside) return null;
  const endLocal = dayStart + to * MINUTE_MS + (minute >= to ? DAY_MS : 0);
  return endLocal - OFFSET_MS;
}
