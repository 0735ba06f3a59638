import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, loadCommonConfig, tierFor } from '@ioc/core';

const DAY = 86_400_000;

describe('telemetry retention configuration', () => {
  it('keeps raw points 30 days, minute rollups a year and hourly ones forever by default', () => {
    expect(loadCommonConfig({}).retention).toEqual(DEFAULT_RETENTION);
    expect(DEFAULT_RETENTION).toEqual({ raw: 30 * DAY, minute: 365 * DAY });
  });

  it('reads IOC_RETENTION_RAW, IOC_RETENTION_1M and IOC_RETENTION_1H in hours or days, or inf', () => {
    const config = loadCommonConfig({ IOC_RETENTION_RAW: '12h', IOC_RETENTION_1M: '90d', IOC_RETENTION_1H: '3650d' });
    expect(config.retention).toEqual({ raw: 12 * 3_600_000, minute: 90 * DAY, hour: 3650 * DAY });
    expect(loadCommonConfig({ IOC_RETENTION_1H: 'INF' }).retention.hour).toBeUndefined();
    expect(loadCommonConfig({ IOC_RETENTION_RAW: 'inf' }).retention.raw).toBeGreaterThan(100 * 365 * DAY);
  });

  it.each(['30', '0d', '30m', 'forever', '-1d'])('refuses IOC_RETENTION_RAW=%s naming the variable', (value) => {
    expect(() => loadCommonConfig({ IOC_RETENTION_RAW: value })).toThrow(/^IOC_RETENTION_RAW: must be a duration of at least 1h/);
  });

  it('reads hourly rollups for whole hours, minute rollups for whole minutes, raw points otherwise', () => {
    expect([tierFor(undefined), tierFor(30_000), tierFor(60_000), tierFor(300_000), tierFor(3_600_000), tierFor(DAY), tierFor(90_000)]).toEqual([
      'raw',
      'raw',
      '1m',
      '1m',
      '1h',
      '1h',
      'raw',
    ]);
  });
});
