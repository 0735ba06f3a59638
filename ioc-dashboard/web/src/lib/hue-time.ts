/** Huế keeps UTC+7 all year (no daylight saving), so a form's date and time convert with a fixed offset. */
const OFFSET_MS = 7 * 3_600_000;

/** Epoch ms as a datetime-local input's value ("2026-12-08T09:30") in Huế time, whatever the browser's zone. */
export function toHueInput(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 16);
}

/** A datetime-local input's value read as Huế time; NaN when it is not one. */
export function fromHueInput(value: string): number {
  return Date.parse(`${value}:00+07:00`);
}
