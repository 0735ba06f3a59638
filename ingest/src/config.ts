import { ConfigError, DAY_MS, loadCommonConfig, parsePartition, readCount, readRetentionMs, readText, type CommonConfig, type ConfigEnv, type Partition } from '@ioc/core';

/** Ingest's configuration: its share of the devices and how long dead letters are kept, with the common settings. */
export interface IngestConfig extends CommonConfig {
  /** This ingest process's share of the devices when several split them (IOC_INGEST_PARTITION, `i/n`). */
  partition?: Partition;
  /** How long dead letters are kept (ms; undefined = forever), and how many at most (0 = no cap). */
  deadLetters: { retentionMs?: number; max: number };
}

function partition(env: ConfigEnv): Partition | undefined {
  const raw = readText(env, 'IOC_INGEST_PARTITION');
  if (raw === undefined) return undefined;
  const parsed = parsePartition(raw);
  if (!parsed) throw new ConfigError('IOC_INGEST_PARTITION', `must be i/n with 1 <= i <= n <= 1024 (this worker of n), got "${raw}"`);
  return parsed;
}

/** Reads and validates ingest's configuration (`ioc start ingest`); throws ConfigError on the first bad variable. */
export function loadIngestConfig(env: ConfigEnv = process.env): IngestConfig {
  return {
    ...loadCommonConfig(env),
    partition: partition(env),
    deadLetters: {
      retentionMs: readRetentionMs(env, 'IOC_DEAD_LETTER_RETENTION', 30 * DAY_MS),
      max: readCount(env, 'IOC_DEAD_LETTERS_MAX', 1_000_000),
    },
  };
}
