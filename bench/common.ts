/** Small pieces the benchmarks share: flags, a process's CPU time, JSON lines, and device connections with TCP_NODELAY. */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';

/** `--name N` from the command line: a whole number of at least `min` (default 1), or `fallback` when absent. */
export function option(name: string, fallback: number, min = 1): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} needs a whole number of at least ${min}`);
  return value;
}

/** CPU seconds of a process from /proc (utime + stime); 0 once it has gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** One JSON line on stdout. */
export function line(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** One device's own MQTT 3.1.1 connection (with its token when it has one). */
export function connectDevice(url: string, device: { id: string; token?: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: device.id,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 30_000,
      ...(device.token ? { username: device.id, password: device.token } : {}),
    });
    // mqtt.js leaves Nagle on; without TCP_NODELAY small QoS 1 messages wait for delayed ACKs (~40 ms).
    client.on('connect', () => (client.stream as Socket).setNoDelay?.(true));
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(new Error(`${device.id}: ${error.message}`));
    });
  });
}
