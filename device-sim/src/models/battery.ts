import type { SimDevice } from '../fleet.ts';
import type { Environment } from './environment.ts';
import { DAY_MS, round2 } from './time.ts';

/** Below this a battery-powered device stops reporting. */
export const BATTERY_EMPTY_V = 3.3;

/** A Li-ion pack draining from full at the start of the run, at the device's own rate. */
export function batteryVoltage(device: SimDevice, ts: number, env: Environment): number {
  const days = Math.max(0, ts - env.startedAt) / DAY_MS;
  return round2(Math.max(3.0, device.profile.batteryFullV - device.profile.batteryDrainVPerDay * days));
}
