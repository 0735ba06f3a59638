import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, openDb, rotateDeviceToken, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, tempDir } from '@ioc/core/testing';
import { buildFleet, groundTruth, loadFleetFile, loadScenarioFile, planScenario } from '@ioc/device-sim';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { runIoc } from './run-ioc.ts';

describe.skipIf(!postgresAvailable())('ioc sim with a fleet file and a scenario file (PostgreSQL)', () => {
  const dir = tempDir('ioc-cli-sim-');
  const fleetFile = join(dir.path, 'fleet.yaml');
  const scenarioFile = join(dir.path, 'scenario.json');
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let db: Db;
  let gateway: GatewayService;
  let env: Record<string, string>;

  beforeAll(async () => {
    writeFileSync(fleetFile, 'name: two-wards\nseed: 4\nareas: ["19753", "19789"]\nper_area: { air: 1, water: 1 }\ninterval: { air: 20s, water: 20s }\n');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        name: 'short',
        duration: '20m',
        incidents: [
          { type: 'sensor_fault', fault: 'stuck', kind: 'water', start: '2m', duration: '5m' },
          { type: 'sensor_fault', fault: 'dropout', kind: 'air', start: '5m', duration: '10m' },
        ],
      }),
    );
    server = await startPostgres();
    const token = 'cli-sim-service-token-0123456789';
    const config = loadGatewayConfig({ DATABASE_URL: server.url, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: token, IOC_DATA_DIR: dir.path });
    db = await openDb(config);
    gateway = createGatewayService({ config, logger: createLogger({ level: 'silent' }), db });
    await gateway.start();
    env = { DATABASE_URL: server.url, MQTT_URL: `mqtt://127.0.0.1:${gateway.port}`, IOC_SERVICE_TOKEN: token, IOC_DATA_DIR: dir.path, IOC_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await gateway?.stop();
    await db?.close();
    await server?.stop();
    dir.remove();
  });

  it('runs the scenario faster than real time, stops at its end and writes its ground truth, the same for the same seed', async () => {
    const truthFiles = [join(dir.path, 'truth-1.jsonl'), join(dir.path, 'truth-2.jsonl')];
    const runs: { scenario: string; ended: boolean; devices: number; published: number; truth_lines: number; start: number }[] = [];
    for (const truth of truthFiles) {
      const { code, stdout, stderr } = await runIoc(['sim', '--fleet', fleetFile, '--scenario', scenarioFile, '--speed', '300', '--seed', '7', '--truth', truth], env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      runs.push(JSON.parse(stdout) as (typeof runs)[number]);
    }
    const fleet = buildFleet(loadFleetFile(fleetFile));
    for (const [i, run] of runs.entries()) {
      expect(run).toMatchObject({ scenario: 'short', ended: true, devices: 4, truth_lines: 2 });
      expect(run.published).toBeGreaterThan(50);
      const lines = readFileSync(truthFiles[i]!, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
      expect(lines).toEqual(groundTruth(planScenario(loadScenarioFile(scenarioFile), fleet, { seed: 7, startAt: run.start }), fleet));
    }
    const relative = (i: number) =>
      readFileSync(truthFiles[i]!, 'utf8').trimEnd().split('\n').map((line) => {
        const t = JSON.parse(line) as { device: string; start: number; end: number };
        return [t.device, t.start - runs[i]!.start, t.end - runs[i]!.start];
      });
    expect(relative(1)).toEqual(relative(0));
  });

  it('logs in with the tokens of devices an administrator registered, without a database of its own', async () => {
    const fleet = buildFleet(loadFleetFile(fleetFile));
    const lines: string[] = [];
    for (const device of fleet) lines.push(JSON.stringify({ id: device.id, token: await rotateDeviceToken(db, device.id) }));
    const credentials = join(dir.path, 'tokens.jsonl');
    writeFileSync(credentials, `${lines.join('\n')}\n`);
    const ownDir = tempDir('ioc-cli-sim-own-');
    try {
      const runEnv = { MQTT_URL: env.MQTT_URL!, IOC_DATA_DIR: ownDir.path, IOC_LOG_LEVEL: 'warn' };
      const { code, stdout, stderr } = await runIoc(['sim', '--fleet', fleetFile, '--scenario', scenarioFile, '--speed', '300', '--credentials', credentials], runEnv);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect((JSON.parse(stdout) as { published: number }).published).toBeGreaterThan(50);
      expect(readdirSync(ownDir.path)).toEqual([]);

      writeFileSync(credentials, `${lines.slice(1).join('\n')}\n`);
      const missing = await runIoc(['sim', '--fleet', fleetFile, '--credentials', credentials], runEnv);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`simulator credentials: no token for 1 device(s) of the fleet, e.g. ${fleet[0]!.id}`);
    } finally {
      ownDir.remove();
    }
  });

  it('refuses bad options with usage, exit code 2', async () => {
    expect((await runIoc(['sim', '--speed', '0'], env)).code).toBe(2);
    const endless = await runIoc(['sim', '--speed', '10'], env);
    expect(endless.code).toBe(2);
    expect(endless.stderr).toContain('--speed above 1 needs --scenario');
    const truthAlone = await runIoc(['sim', '--truth', join(dir.path, 't.jsonl')], env);
    expect(truthAlone.code).toBe(2);
    expect(truthAlone.stderr).toContain('--truth needs --scenario');
    const missing = await runIoc(['sim', '--fleet', join(dir.path, 'nope.yaml')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml: no such file');
  });
});
