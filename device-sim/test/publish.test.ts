import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createMqttConnect,
  decodeTelemetry,
  generateToken,
  listDeadLetters,
  openDb,
  openTelemetryStore,
  type Db,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig } from '@ioc/gateway';
import { createIngestService, loadIngestConfig } from '@ioc/ingest';
import { createDeviceSimService, hueAirFleet, loadSimConfig, type SimConfig } from '@ioc/device-sim';

describe('device-sim service against a real gateway and ingest', () => {
  const dir = tempDir('ioc-sim-publish-');
  const logger = createLogger({ level: 'warn' });
  const fleet = hueAirFleet().slice(0, 5);
  /** The simulator's, on the gateway started here. */
  let config: SimConfig;
  let db: Db;
  let telemetry: TelemetryStore;
  const services: Service[] = [];

  beforeAll(async () => {
    const env = { IOC_DATA_DIR: dir.path, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: generateToken() };
    config = loadSimConfig(env);
    db = await openDb(config);
    telemetry = await openTelemetryStore(config, db);
    const gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    services.push(gateway);
    config = { ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` };
    const ingest = createIngestService({ config: loadIngestConfig(env), logger, db, telemetry, mqttConnect: createMqttConnect(config) });
    await ingest.start();
    services.push(ingest);
  });

  afterAll(async () => {
    for (const service of services.reverse()) await service.stop();
    await telemetry?.close();
    await db?.close();
    dir.remove();
  });

  it('publishes valid readings over each device’s own connection, and ingest stores them', async () => {
    const sim = createDeviceSimService({ config, logger, db, fleet, intervalMs: 200 });
    await sim.start();
    services.push(sim);
    expect(await sim.health()).toMatchObject({ status: 'ok', devices: 5, connected: 5 });

    let latest = await telemetry.latest(fleet.map((d) => d.id));
    for (let i = 0; i < 100 && latest.size < fleet.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = await telemetry.latest(fleet.map((d) => d.id));
    }
    expect([...latest.keys()].sort()).toEqual(fleet.map((d) => d.id).sort());
    for (const [deviceId, reading] of latest) {
      expect(Object.keys(reading.metrics).sort(), deviceId).toEqual(['battery_v', 'co', 'no2', 'o3', 'pm10', 'pm25', 'rh', 'temp_c']);
      const payload = JSON.stringify({ ts: reading.ts, metrics: reading.metrics });
      expect(decodeTelemetry(deviceId, 'air', payload, Date.now()).ok).toBe(true);
      expect(reading.metrics.pm10).toBeGreaterThan(reading.metrics.pm25!);
    }
    expect(await listDeadLetters(db)).toEqual([]);
  });
});
