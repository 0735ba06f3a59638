import { DEVICE_KINDS } from '../catalogue.ts';
import type { Retention } from './tiers.ts';

/** InfluxQL for the rollup tiers on InfluxDB 1.x: retention policies and continuous queries. */

export const RAW_RP = 'raw';
export const ROLLUP_RP = { '1m': 'rollup_1m', '1h': 'rollup_1h' } as const;
const PARTS = ['count', 'sum', 'min', 'max', 'last'] as const;
export type Part = (typeof PARTS)[number];

/** Every metric of the catalogue: rollup fields are named per metric (`pm25_sum`, `pm25_count`, …). */
const METRICS = [...new Set(Object.values(DEVICE_KINDS).flatMap((kind) => Object.keys(kind.metrics)))].sort();

const q = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function duration(ms: number | undefined): string {
  return ms === undefined ? 'INF' : `${Math.max(1, Math.round(ms / 3_600_000))}h`;
}

/** CREATE (or, when it exists, ALTER) statements of the three retention policies; raw is the default. */
export function retentionPolicies(db: string, retention: Retention): { create: string; alter: string }[] {
  const policies: [string, number | undefined, boolean][] = [
    [RAW_RP, retention.raw, true],
    [ROLLUP_RP['1m'], retention.minute, false],
    [ROLLUP_RP['1h'], retention.hour, false],
  ];
  return policies.map(([name, ms, isDefault]) => ({
    create: `CREATE RETENTION POLICY ${q(name)} ON ${q(db)} DURATION ${duration(ms)} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`,
    alter: `ALTER RETENTION POLICY ${q(name)} ON ${q(db)} DURATION ${duration(ms)}${isDefault ? ' DEFAULT' : ''}`,
  }));
}

/** The SELECT … INTO of one tier: minutes from raw points, hours from minutes. `where` narrows it (backfill). */
export function rollupSelect(db: string, tier: '1m' | '1h', where = ''): string {
  const fields =
    tier === '1m'
      ? METRICS.flatMap((m) => PARTS.map((part) => `${part}(${q(m)}) AS ${q(`${m}_${part}`)}`))
      : METRICS.flatMap((m) =>
          PARTS.map((part) => `${part === 'count' ? 'sum' : part}(${q(`${m}_${part}`)}) AS ${q(`${m}_${part}`)}`),
        );
  const source = tier === '1m' ? `${q(db)}.${q(RAW_RP)}.${q('telemetry')}` : `${q(db)}.${q(ROLLUP_RP['1m'])}.${q('telemetry')}`;
  return `SELECT ${fields.join(', ')} INTO ${q(db)}.${q(ROLLUP_RP[tier])}.${q('telemetry')} FROM ${source} ${where} GROUP BY time(${tier}), ${q('device')}`;
}

/**
 * The continuous queries: minutes recomputed every minute over the last 10 (late points within that are
 * counted), hours every 10 minutes over the last 2 hours.
 */
export function continuousQueries(db: string): { name: string; create: string }[] {
  return [
    { name: 'telemetry_1m', resample: 'RESAMPLE EVERY 1m FOR 10m', tier: '1m' as const },
    { name: 'telemetry_1h', resample: 'RESAMPLE EVERY 10m FOR 2h', tier: '1h' as const },
  ].map(({ name, resample, tier }) => ({
    name,
    create: `CREATE CONTINUOUS QUERY ${q(name)} ON ${q(db)} ${resample} BEGIN ${rollupSelect(db, tier)} END`,
  }));
}

/** How long after a bucket ends the continuous queries have surely counted it; newer data is read raw. */
export const ROLLUP_LAG_MS = { '1m': 15 * 60_000, '1h': 3 * 3_600_000 } as const;
/** Points older than this when written are rolled up at once by the adapter (the continuous queries are past them). */
export const LATE_MS = 5 * 60_000;
