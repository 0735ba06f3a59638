/** Small pieces the benchmarks share: flags, a process's CPU time, JSON lines, and device connections with TCP_NODELAY. */
import { readdirSync, readFileSync } from 'node:fs';
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

/** A process's /proc stat fields after its name (field 3 onwards), or undefined once it has gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process from /proc (utime + stime); 0 once it has gone. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : 0;
}

/**
 * CPU seconds of a server that forks a process per connection (PostgreSQL): the parent's own, its children's that
 * have ended (cutime + cstime), and those of its children still running.
 */
export function processTreeCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statFields(entry);
    if (child && Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
  }
  return ticks / 100;
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
