import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The peer pipeline many cities build by hand: Node-RED with `mqtt in` (QoS 1, JSON) → a function making an
 * InfluxDB point → `join` (1,000 messages or 100 ms) → `influxdb batch` (node-red-contrib-influxdb) into `db`.
 */
export function peerFlow(mqttPort: number, influxUrl: string, db: string): unknown[] {
  const influx = new URL(influxUrl);
  return [
    { id: 'tab', type: 'tab', label: 'IOC ingest peer' },
    { id: 'broker', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(mqttPort), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'influx-server', type: 'influxdb', hostname: influx.hostname, port: influx.port, protocol: 'http', database: db, name: 'InfluxDB', usetls: false, tls: '', influxdbVersion: '1.x', url: '', rejectUnauthorized: false },
    { id: 'in', type: 'mqtt in', z: 'tab', name: 'telemetry', topic: 'ioc/v1/devices/+/telemetry', qos: '1', datatype: 'json', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, x: 100, y: 100, wires: [['point']] },
    {
      id: 'point',
      type: 'function',
      z: 'tab',
      name: 'to point',
      func: "msg.payload = { measurement: 'telemetry', tags: { device: msg.topic.split('/')[3] }, fields: msg.payload.metrics, timestamp: new Date(msg.payload.ts) };\nreturn msg;",
      outputs: 1,
      x: 300,
      y: 100,
      wires: [['join']],
    },
    { id: 'join', type: 'join', z: 'tab', name: 'batch', mode: 'custom', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '0.1', count: '1000', reduce: false, x: 500, y: 100, wires: [['out']] },
    { id: 'out', type: 'influxdb batch', z: 'tab', influxdb: 'influx-server', precision: 'ms', retentionPolicy: '', name: 'influx batch', database: '', x: 700, y: 100, wires: [] },
  ];
}

/** Node-RED 4 from node_modules with the peer flow, on `port`, its files in `dir`. */
export async function startNodeRed(dir: string, port: number, flow: unknown[]): Promise<{ pid: number; stop(): Promise<void> }> {
  const redJs = createRequire(import.meta.url).resolve('node-red/red.js');
  const flowFile = join(dir, 'flows.json');
  writeFileSync(flowFile, JSON.stringify(flow));
  const child = spawn(process.execPath, [redJs, '--userDir', dir, '--port', String(port), flowFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!/Started flows/.test(output)) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`Node-RED did not start its flows: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (/missing types|\[error\]|^Error:/im.test(output)) {
    child.kill('SIGTERM');
    await exited;
    throw new Error(`Node-RED could not start the peer flow: ${output}`);
  }
  return {
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
