/** The last millisecond of the year 9999: later times are no date PostgreSQL or a Date can hold. */
export const MAX_EPOCH_MS = 253_402_300_799_999;
