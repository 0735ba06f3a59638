import { hashString, JITTER, seededRandom, type SimDevice } from '@ioc/device-sim';

/**
 * When each simulated device reports, as the simulator's service schedules it (device-sim service.ts): a first report
 * at a random point of its first interval, then every interval jittered by ±JITTER, from one generator per device
 * and seed. `due(until)` hands out the reports due before `until`, oldest first, each device at most once.
 */
export function createReportSchedule(devices: readonly SimDevice[], seed: number, startAt: number) {
  const next = devices.map((device) => {
    const random = seededRandom(seed ^ hashString(device.id));
    return { device, random, ts: Math.round(startAt + device.intervalMs * random()) };
  });
  return {
    due(until: number): Array<{ device: SimDevice; ts: number }> {
      const reports: Array<{ device: SimDevice; ts: number }> = [];
      for (const entry of next) {
        if (entry.ts >= until) continue;
        reports.push({ device: entry.device, ts: entry.ts });
        entry.ts = Math.round(entry.ts + entry.device.intervalMs * (1 - JITTER + 2 * JITTER * entry.random()));
      }
      return reports.sort((a, b) => a.ts - b.ts);
    },
  };
}
