import { dailyAqi, hourlyAqi, type AqiPollutant, type Clock, type Logger, type Queryable, type TelemetryPoint, type TelemetryStore } from '@ioc/core';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Days run from midnight in Huế (Asia/Ho_Chi_Minh, UTC+7 all year). */
const LOCAL_OFFSET = 7 * HOUR;
/** How long after the hour the job runs, so the hour's last readings are stored. */
const SETTLE_MS = 60_000;
const POLLUTANTS: AqiPollutant[] = ['pm25', 'pm10', 'o3', 'no2', 'co'];

export interface AqiJob {
  /** Computes `vn_aqi_h` of every air station (this worker owns) for the hour ending at `hourEnd` (stored at the hour's start). */
  runHour(hourEnd: number): Promise<number>;
  /** Computes `vn_aqi_d` of every air station (this worker owns) for the local day ending at `dayEnd` (stored at the day's start). */
  runDay(dayEnd: number): Promise<number>;
  start(): void;
  stop(): void;
}

/**
 * The VN_AQI job of ingest: hourly and daily index of every air station, written as metrics of the station. With
 * `owned`, only the stations this ingest worker owns (the others' workers compute theirs).
 */
export function createAqiJob(deps: {
  db: Queryable;
  telemetry: TelemetryStore;
  clock: Clock;
  logger: Logger;
  owned?: (deviceId: string) => boolean;
  /** Announces the stored indices on ioc/v1/computed/{id}/telemetry (alerting evaluates them); a failure is logged. */
  publish?: (points: readonly TelemetryPoint[]) => Promise<void>;
}): AqiJob {
  const { db, telemetry, clock, logger, owned = () => true } = deps;
  let timer: NodeJS.Timeout | undefined;

  async function airStations(): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM devices WHERE kind = 'air' ORDER BY id`);
    return rows.map((r) => r.id).filter(owned);
  }

  /** Hourly means of each pollutant over [to - hours h, to), oldest first (undefined where an hour has none). */
  async function hourlyMeans(deviceId: string, to: number, hours: number): Promise<Record<AqiPollutant, (number | undefined)[]>> {
    const from = to - hours * HOUR;
    const entries = await Promise.all(
      POLLUTANTS.map(async (metric) => {
        const slots: (number | undefined)[] = new Array(hours).fill(undefined);
        for (const { ts, value } of await telemetry.range({ deviceId, metric, from, to, every: HOUR, agg: 'mean' })) {
          slots[Math.floor((ts - from) / HOUR)] = value;
        }
        return [metric, slots] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<AqiPollutant, (number | undefined)[]>;
  }

  /** Writes `metric` at `ts` (the start of the hour or day) from the `hours` hourly means before `end`. */
  async function run(metric: 'vn_aqi_h' | 'vn_aqi_d', ts: number, end: number, hours: number, index: (series: Record<AqiPollutant, (number | undefined)[]>) => number | undefined) {
    const points: TelemetryPoint[] = [];
    for (const deviceId of await airStations()) {
      const value = index(await hourlyMeans(deviceId, end, hours));
      if (value !== undefined) points.push({ deviceId, metric, ts, value });
    }
    await telemetry.write(points);
    await deps.publish?.(points).catch((error: unknown) => logger.warn({ err: error, metric }, 'VN_AQI stored but not announced on the bus'));
    return points.length;
  }

  const runHour = (hourEnd: number) =>
    run('vn_aqi_h', hourEnd - HOUR, hourEnd, 12, (series) =>
      hourlyAqi(Object.fromEntries(POLLUTANTS.map((p) => [p, [...series[p]].reverse()]))),
    );
  // 31 hours: the day's 24, and the 7 before it that its first 8-hour O₃ means reach back into.
  const runDay = (dayEnd: number) =>
    run('vn_aqi_d', dayEnd - DAY, dayEnd, 31, (series) =>
      dailyAqi(Object.fromEntries(POLLUTANTS.map((p) => [p, series[p].slice(7)])), series.o3.slice(0, 7)),
    );

  function scheduleNext(): void {
    const now = clock.now();
    const hourEnd = Math.floor(now / HOUR) * HOUR + HOUR;
    timer = setTimeout(async () => {
      try {
        const stations = await runHour(hourEnd);
        logger.debug({ stations, hourEnd }, 'hourly VN_AQI computed');
        if ((hourEnd + LOCAL_OFFSET) % DAY === 0) await runDay(hourEnd);
      } catch (error) {
        logger.error({ err: error, hourEnd }, 'computing VN_AQI failed');
      }
      if (timer) scheduleNext();
    }, hourEnd + SETTLE_MS - now).unref();
  }

  return {
    runHour,
    runDay,
    start: () => {
      if (!timer) scheduleNext();
    },
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
