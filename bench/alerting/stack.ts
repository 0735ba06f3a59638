// The processes `ioc bench alerting` measures, as production runs them: `ioc start gateway`, `ioc start ingest` (the
// SQL adapter on the same PostgreSQL) and `ioc start alerting`, each its own process; the alerting one can be killed
// with SIGKILL and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateToken } from '@ioc/core';
import { freePort, tempDir } from '@ioc/core/testing';
import { processCpuSeconds } from '../common.ts';
import { startGatewayProcess } from '../gateway/process.ts';
import { startIngestProcess } from '../ingest/ioc.ts';

const IOC = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));
const SUBSCRIBED = 'alerting subscribed to telemetry, device status, anomalies and rule changes';
const READY_TIMEOUT_MS = 120_000;

export interface AlertingProcess {
  pid: number;
  /** Resolves once the service has read its rules and conditions and subscribed. */
  subscribed: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * `ioc start alerting` at the production log level (info: one line per alert fired); warnings go to stderr. With
 * `profileDir`, Node writes a CPU profile there when it stops (not when killed).
 */
function startAlertingProcess(env: Record<string, string>, profileDir?: string): AlertingProcess {
  const args = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), IOC, 'start', 'alerting'];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, IOC_LOG_LEVEL: 'info', IOC_DEMO: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const subscribed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ioc start alerting did not subscribe within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`ioc start alerting exited with ${child.exitCode ?? child.signalCode}`));
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let entry: { level?: number; msg?: string } = {};
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        entry = { level: 40 };
      }
      if (entry.msg === SUBSCRIBED) {
        clearTimeout(timer);
        resolve();
      }
      if ((entry.level ?? 0) >= 40) process.stderr.write(`${text}\n`);
    });
  });
  // Once subscribed, a later exit is the run's business (kill), not a failed start.
  subscribed.catch(() => {});
  return {
    pid: child.pid as number,
    subscribed,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Stack {
  mqttUrl: string;
  serviceToken: string;
  /** Kills the alerting service with SIGKILL and starts it again; resolves once the new one has subscribed. */
  restartAlerting(): Promise<void>;
  /** CPU seconds used so far by each process (the alerting service's killed incarnations included). */
  cpuSeconds(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startStack(options: { databaseUrl: string; notifyEnv: Record<string, string>; profileDir?: string }): Promise<Stack> {
  const dir = tempDir('ioc-bench-alerting-');
  const serviceToken = generateToken(24);
  const env = {
    IOC_DATA_DIR: dir.path,
    IOC_SERVICE_TOKEN: serviceToken,
    DATABASE_URL: options.databaseUrl,
    // A device here publishes a few messages; the limits are not what is measured.
    IOC_MQTT_PUBLISH_RATE: '0',
    IOC_MQTT_CONNECT_RATE: '0',
  };
  const gateway = await startGatewayProcess(await freePort(), env);
  const ingest = startIngestProcess({ ...env, MQTT_URL: gateway.url });
  const alertingEnv = { ...env, MQTT_URL: gateway.url, ...options.notifyEnv };
  let alerting = startAlertingProcess(alertingEnv, options.profileDir);
  let killedCpu = 0;
  try {
    await Promise.all([ingest.subscribed, alerting.subscribed]);
  } catch (error) {
    await alerting.kill('SIGTERM');
    await ingest.stop();
    await gateway.stop();
    throw error;
  }
  return {
    mqttUrl: gateway.url,
    serviceToken,
    async restartAlerting() {
      killedCpu += processCpuSeconds(alerting.pid);
      await alerting.kill('SIGKILL');
      alerting = startAlertingProcess(alertingEnv, options.profileDir);
      await alerting.subscribed;
    },
    cpuSeconds: () => ({
      gateway: processCpuSeconds(gateway.pid),
      ingest: processCpuSeconds(ingest.pid),
      alerting: killedCpu + processCpuSeconds(alerting.pid),
    }),
    async stop() {
      await alerting.kill('SIGTERM');
      await ingest.stop();
      await gateway.stop();
      dir.remove();
    },
  };
}
