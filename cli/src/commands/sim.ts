import { createLogger, loadConfig, openDb } from '@ioc/core';
import { createDeviceSimService } from '@ioc/device-sim';
import { numberFlag, parseFlags } from '../args.ts';
import type { Command } from '../io.ts';
import { waitForShutdownSignal } from '../signals.ts';

/** ioc sim [--interval MS]: the simulated fleet against MQTT_URL, provisioned in the configured database. */
export const sim: Command = async ({ args, env }) => {
  const { values } = parseFlags(args, { interval: { type: 'string' } });
  const intervalMs = numberFlag(values.interval, 'interval');
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const db = await openDb(config);
  const service = createDeviceSimService({ config, logger, db, intervalMs });
  try {
    await service.start();
    await waitForShutdownSignal();
  } finally {
    await service.stop();
    await db.close();
  }
  return 0;
};
