import type { CommonConfig } from '../config.ts';
import type { Db } from '../db/types.ts';
import { createSqlTelemetryStore } from './sql.ts';
import type { TelemetryStore } from './types.ts';

/** The configured TelemetryStore: InfluxDB with INFLUX_URL, else the SQL adapter on `db`; retention default 30 d / 1 y / forever. */
export async function openTelemetryStore(config: Pick<CommonConfig, 'influx'> & Partial<Pick<CommonConfig, 'retention'>>, db: Db): Promise<TelemetryStore> {
  if (config.influx) {
    const { createInfluxTelemetryStore } = await import('./influx.ts');
    return createInfluxTelemetryStore(config.influx, db, config.retention);
  }
  return createSqlTelemetryStore(db, config.retention);
}
