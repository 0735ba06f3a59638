import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@ioc/core/testing';
import { SERVICE_TOKEN } from './fixture.ts';

const IOC = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));

export interface GatewayProcess {
  url: string;
  /** SIGTERM: a clean stop. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, with nothing cleaned up. */
  kill(): Promise<void>;
}

/** `ioc start gateway` in its own process on an ephemeral port, in cluster mode on `redisUrl`; `env` adds settings. */
export async function startGatewayProcess(redisUrl: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const dir = tempDir('ioc-gw-node-');
  const child: ChildProcess = spawn(process.execPath, [IOC, 'start', 'gateway'], {
    env: {
      ...process.env,
      IOC_DATA_DIR: dir.path,
      IOC_MQTT_PORT: '0',
      IOC_SERVICE_TOKEN: SERVICE_TOKEN,
      REDIS_URL: redisUrl,
      IOC_LOG_LEVEL: 'info',
      IOC_DEMO: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; ports?: { MQTT?: number }; cluster?: boolean };
      if (record.msg === 'MQTT gateway listening' && record.ports?.MQTT) {
        if (!record.cluster) reject(new Error('the gateway process did not start in cluster mode'));
        resolve(record.ports.MQTT);
      }
    });
    child.once('exit', (code) => reject(new Error(`ioc start gateway exited with ${code} before listening`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited;
    dir.remove();
  };
  return { url: `mqtt://127.0.0.1:${port}`, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
