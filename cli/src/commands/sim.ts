import { closeSync, openSync, writeSync } from 'node:fs';
import { createLogger, openDb } from '@ioc/core';
import { buildFleet, createDeviceSimService, DEFAULT_FLEET_FILE, loadFleetFile, loadScenarioFile, loadSimConfig, readTokenFile } from '@ioc/device-sim';
import { numberFlag, parseFlags } from '../args.ts';
import { UsageError, type Command } from '../io.ts';
import { waitForShutdownSignal } from '../signals.ts';

/**
 * ioc sim [--fleet FILE] [--scenario FILE] [--speed N] [--seed N] [--truth OUT] [--interval MS] [--camera-port P]
 * [--credentials FILE]: the simulated fleet against MQTT_URL, provisioned in the configured database, or logging in
 * with the tokens of devices an administrator registered. With a scenario it stops when the
 * scenario ends and prints a summary line; without, it runs until SIGINT/SIGTERM.
 */
export const sim: Command = async ({ args, env, io }) => {
  const { values } = parseFlags(args, {
    fleet: { type: 'string' },
    scenario: { type: 'string' },
    speed: { type: 'string' },
    seed: { type: 'string' },
    truth: { type: 'string' },
    interval: { type: 'string' },
    'camera-port': { type: 'string' },
    credentials: { type: 'string' },
  });
  const speed = numberFlag(values.speed, 'speed');
  if (speed !== undefined && !(speed > 0)) throw new UsageError('--speed must be > 0');
  const seed = numberFlag(values.seed, 'seed');
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  if (values.truth && !values.scenario) throw new UsageError('--truth needs --scenario');
  if (speed !== undefined && speed > 1 && !values.scenario) {
    throw new UsageError('--speed above 1 needs --scenario: without an end, simulated time would run into the future');
  }
  const fleet = buildFleet(loadFleetFile(values.fleet ?? DEFAULT_FLEET_FILE));
  const scenario = values.scenario ? loadScenarioFile(values.scenario) : undefined;
  const config = loadSimConfig(env);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // With the devices' credentials there is nothing to register: no database needed.
  const credentials = values.credentials ? readTokenFile(values.credentials) : undefined;
  const db = credentials ? undefined : await openDb(config);
  const truthFd = values.truth ? openSync(values.truth, 'w') : undefined;
  let truthLines = 0;
  const service = createDeviceSimService({
    config,
    logger,
    db,
    credentials,
    fleet,
    scenario,
    speed,
    seed,
    intervalMs: numberFlag(values.interval, 'interval'),
    cameraPort: numberFlag(values['camera-port'], 'camera-port'),
    truth:
      truthFd === undefined
        ? undefined
        : (line) => {
            writeSync(truthFd, `${JSON.stringify(line)}\n`);
            truthLines++;
          },
  });
  try {
    await service.start();
    const signal = waitForShutdownSignal();
    const ended = await Promise.race([signal.then(() => false), scenario ? service.finished.then(() => true) : new Promise<boolean>(() => {})]);
    const health = await service.health();
    io.out(
      JSON.stringify({
        scenario: service.plan.name,
        ended,
        devices: fleet.length,
        published: health.published,
        truth_lines: truthLines,
        start: service.plan.startAt,
        sim_time: health.simTime,
      }),
    );
  } finally {
    await service.stop();
    await db?.close();
    if (truthFd !== undefined) closeSync(truthFd);
  }
  return 0;
};
