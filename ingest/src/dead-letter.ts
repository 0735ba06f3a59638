import { DEAD_LETTER_PAYLOAD_LIMIT, type NewDeadLetter } from '@ioc/core';

/** A refused telemetry message as a dead letter (payload cut early so a queue of them stays small). */
export function deadLetter(deviceId: string | null, topic: string, payload: Buffer, reason: string, ts: number): NewDeadLetter {
  return { deviceId, topic, payload: payload.subarray(0, DEAD_LETTER_PAYLOAD_LIMIT * 4).toString('utf8'), reason, ts };
}
