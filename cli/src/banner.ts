import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFfmpeg, type CommonConfig } from '@ioc/core';
import type { Env } from './io.ts';
import type { RunningIoc } from './start-ioc.ts';

/** What a person starting the IOC needs to know first: where to go, how to sign in, what runs on what. */
export interface StartSummary {
  services: string[];
  dashboard?: string;
  /** Where the password of user `admin` is, when the dashboard runs here. */
  adminPassword?: string;
  /** Devices of the simulated fleet, when it runs here. */
  simulatedDevices?: number;
  mqtt: string;
  /** The relational store and the telemetry store. */
  database: string;
  telemetry: string;
  /** The ffmpeg the simulated cameras and speakers use, when the fleet runs here. */
  ffmpeg?: string;
}

/** A URL without its password. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

export function describeStores(config: Pick<CommonConfig, 'databaseUrl' | 'dataDir' | 'influx'>): { database: string; telemetry: string } {
  const database = config.databaseUrl ? `PostgreSQL ${withoutPassword(config.databaseUrl)}` : `PGlite (embedded) in ${join(config.dataDir, 'pglite')}`;
  const influx = config.influx;
  const telemetry = !influx
    ? `SQL, in the ${config.databaseUrl ? 'PostgreSQL' : 'PGlite'} database`
    : influx.org
      ? `InfluxDB 2.x/3.x ${influx.url}, org ${influx.org}, bucket ${influx.bucket}`
      : `InfluxDB ${influx.url}, database ${influx.db}`;
  return { database, telemetry };
}

function adminPasswordWhere(env: Env, dataDir: string): string {
  if (env.IOC_ADMIN_PASSWORD?.trim()) return 'the value of IOC_ADMIN_PASSWORD (user "admin")';
  const file = join(dataDir, 'admin-password');
  if (existsSync(file)) return `in ${file} (user "admin")`;
  return 'set before (user "admin"); `ioc users` sets a new one';
}

function ffmpegInUse(): string {
  try {
    const found = resolveFfmpeg();
    return `${found.path} (from ${found.source})`;
  } catch (error) {
    return `none: cameras have no video and speakers cannot play (${(error as Error).message})`;
  }
}

/** Reads the summary off the running IOC. */
export async function startSummary(ioc: RunningIoc, env: Env): Promise<StartSummary> {
  const names = ioc.services.map((s) => s.name);
  const sim = ioc.services.find((s) => s.name === 'sim');
  const simHealth = sim ? await sim.health() : undefined;
  return {
    services: names,
    ...(ioc.dashboardUrl ? { dashboard: ioc.dashboardUrl, adminPassword: adminPasswordWhere(env, ioc.config.dataDir) } : {}),
    ...(typeof simHealth?.devices === 'number' ? { simulatedDevices: simHealth.devices, ffmpeg: ffmpegInUse() } : {}),
    mqtt: ioc.mqttUrl,
    ...describeStores(ioc.config),
  };
}

/** The summary as a few aligned lines for a terminal. */
export function bannerText(summary: StartSummary): string {
  const rows: [string, string | undefined][] = [
    ['Dashboard', summary.dashboard],
    ['Admin password', summary.adminPassword],
    ['Simulated devices', summary.simulatedDevices === undefined ? undefined : `${summary.simulatedDevices} (IOC_DEMO=false runs without them)`],
    ['Video and audio', summary.ffmpeg],
    ['MQTT', summary.mqtt],
    ['Database', summary.database],
    ['Telemetry', summary.telemetry],
    ['Services', summary.services.join(', ')],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length));
  return ['', '  The IOC is running. Stop it with Ctrl+C.', '', ...shown.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), ''].join('\n');
}
