import { describe, expect, it } from 'vitest';
import { ConfigError, loadCommonConfig } from '@ioc/core';
import { configRefusal } from '@ioc/core/testing';
import { loadIngestConfig } from '@ioc/ingest/config';

describe('loadIngestConfig', () => {
  it('has defaults for its own settings, on top of the common ones', () => {
    expect(loadIngestConfig({})).toEqual({ ...loadCommonConfig({}), partition: undefined, deadLetters: { retentionMs: 30 * 86_400_000, max: 1_000_000 } });
  });

  it('reads its share of the devices (IOC_INGEST_PARTITION) and how long and how many dead letters it keeps', () => {
    expect(loadIngestConfig({ IOC_INGEST_PARTITION: '2/3' }).partition).toEqual({ index: 2, count: 3 });
    expect(loadIngestConfig({ IOC_DEAD_LETTER_RETENTION: 'inf', IOC_DEAD_LETTERS_MAX: '0' }).deadLetters).toEqual({ max: 0 });
    expect(loadIngestConfig({ IOC_DEAD_LETTER_RETENTION: '12h' }).deadLetters.retentionMs).toBe(12 * 3_600_000);
  });

  it.each([
    ['IOC_INGEST_PARTITION', { IOC_INGEST_PARTITION: '3/2' }, /^IOC_INGEST_PARTITION: must be i\/n/],
    ['IOC_DEAD_LETTER_RETENTION', { IOC_DEAD_LETTER_RETENTION: '30m' }, /^IOC_DEAD_LETTER_RETENTION: must be a duration of at least 1h/],
    ['IOC_DEAD_LETTERS_MAX', { IOC_DEAD_LETTERS_MAX: 'lots' }, /^IOC_DEAD_LETTERS_MAX: must be a whole number/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/ioc' }, /^DATABASE_URL: must use postgres: or postgresql:/],
  ])('refuses a bad %s with one line naming it', (variable, env, message) => {
    const error = configRefusal(loadIngestConfig, env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it("does not read the other services' variables", () => {
    expect(() => loadIngestConfig({ IOC_HTTP_PORT: 'eighty', IOC_ADMIN_PASSWORD: 'short', IOC_MQTTS_PORT: '8883', IOC_CAMERA_CHECK_FRAMES: '1' })).not.toThrow();
  });
});
