import { Type } from 'typebox';
import { DEVICE_ID_PATTERN } from '../topics.ts';

/** Epoch milliseconds, within what a JavaScript Date holds (±8.64e15; epoch.ts). */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'epoch ms' });

/** A device id as topics carry it (topics.ts). */
export const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN.source, description: "1-64 letters, digits, '.', '_' or '-'" });
