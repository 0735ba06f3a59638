import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { createLogger, createMqttConnect, generateToken, openDb, type Db, type MqttClient } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { loadSimConfig, type SimConfig } from '@ioc/device-sim';
import { createGatewayService, loadGatewayConfig } from '@ioc/gateway';

export interface Received {
  topic: string;
  body: Record<string, unknown>;
}

/** A gateway on an ephemeral port, its Db, and a service client recording everything devices send. */
export async function startBus(prefix: string) {
  const dir = tempDir(prefix);
  const logger = createLogger({ level: 'warn' });
  const env = { IOC_DATA_DIR: dir.path, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: generateToken() };
  /** The simulator's, on the gateway started here. */
  let config: SimConfig = loadSimConfig(env);
  const db: Db = await openDb(config);
  const gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
  await gateway.start();
  config = { ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` };
  const observer: MqttClient = await createMqttConnect(config)('test-observer');
  const received: Received[] = [];
  observer.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
  await observer.subscribeAsync(['ioc/v1/devices/+/ack', 'ioc/v1/devices/+/events', 'ioc/v1/devices/+/telemetry', 'ioc/v1/devices/+/status'], { qos: 1 });

  /** Waits (bounded, generous) for a received message matching `match`. */
  async function waitFor(match: (m: Received) => boolean, what: string, timeoutMs = 30_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last received: ${JSON.stringify(received.slice(-4))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return {
    dir,
    logger,
    config,
    db,
    observer,
    received,
    waitFor,
    async stop() {
      await observer.endAsync();
      await gateway.stop();
      await db.close();
      dir.remove();
    },
  };
}

/** Serves the files of a directory over HTTP (audio for the speakers to pull). */
export async function serveFiles(dir: string): Promise<{ url: (file: string) => string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const file = join(dir, basename(request.url ?? ''));
    const stream = createReadStream(file);
    stream.once('error', () => response.writeHead(404).end());
    stream.once('open', () => {
      response.writeHead(200, { 'content-type': 'audio/wav' });
      stream.pipe(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (file) => `http://127.0.0.1:${port}/${file}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
