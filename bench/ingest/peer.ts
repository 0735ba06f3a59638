import { freePort, type InfluxServer, startMosquitto, tempDir } from '@ioc/core/testing';
import { processCpuSeconds } from '../common.ts';
import { rssMb } from '../gateway/process.ts';
import { peerFlow, startNodeRed } from './node-red.ts';
import { deviceIds, influxql, PROBE_DEVICE, type System } from './system.ts';

const PEER_DB = 'peer_bench';

/** Debian's Mosquitto and Node-RED (`mqtt in` → `join` → `influxdb batch`) writing to InfluxDB database `peer_bench`. */
export async function startPeer(influx: InfluxServer, mosquittoBinary: string, devices: number): Promise<System> {
  const dir = tempDir('ioc-bench-peer-');
  await influxql(influx, PEER_DB, `CREATE DATABASE ${PEER_DB}`);
  const mosquitto = await startMosquitto(mosquittoBinary, await freePort(), dir.path);
  const nodeRed = await startNodeRed(dir.path, await freePort(), peerFlow(Number(new URL(mosquitto.url).port), influx.url, PEER_DB));
  return {
    name: 'mosquitto+node-red',
    mqttUrl: mosquitto.url,
    devices: deviceIds(devices).map((id) => ({ id })),
    probe: { id: PROBE_DEVICE },
    stored: async () => Number((await influxql(influx, PEER_DB, `SELECT count(pm25) FROM telemetry WHERE device =~ /^bench-/`))[0]?.[1] ?? 0),
    visible: async (ts) => (await influxql(influx, PEER_DB, `SELECT count(pm25) FROM telemetry WHERE device = '${PROBE_DEVICE}' AND time = ${ts}ms`)).length > 0,
    cpuSeconds: () => ({ 'node-red': processCpuSeconds(nodeRed.pid), mosquitto: processCpuSeconds(mosquitto.pid) }),
    rssMb: () => ({ 'node-red': rssMb(nodeRed.pid), mosquitto: rssMb(mosquitto.pid) }),
    async stop() {
      await nodeRed.stop();
      await mosquitto.stop();
      dir.remove();
    },
  };
}
