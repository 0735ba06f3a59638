import { describe, expect, it } from 'vitest';
import { ConfigError, loadCommonConfig } from '@ioc/core';
import { configRefusal } from '@ioc/core/testing';
import { loadDashboardConfig } from '@ioc/dashboard/config';

describe('loadDashboardConfig', () => {
  it('has defaults for its own settings, on top of the common ones', () => {
    expect(loadDashboardConfig({})).toEqual({ ...loadCommonConfig({}), httpPort: 8080, adminPassword: undefined, trustProxy: undefined });
  });

  it('reads its variables', () => {
    expect(
      loadDashboardConfig({ IOC_HTTP_PORT: '0', IOC_ADMIN_PASSWORD: 'long enough', IOC_TRUST_PROXY: 'loopback', REDIS_URL: 'redis://redis:6379', IOC_DASHBOARD_INSTANCE: 'b2' }),
    ).toMatchObject({
      httpPort: 0,
      adminPassword: 'long enough',
      trustProxy: ['loopback'],
      redisUrl: 'redis://redis:6379',
      instance: 'b2',
    });
  });

  it.each([
    ['IOC_HTTP_PORT', { IOC_HTTP_PORT: 'eighty' }],
    ['IOC_HTTP_PORT', { IOC_HTTP_PORT: '70000' }],
    ['IOC_ADMIN_PASSWORD', { IOC_ADMIN_PASSWORD: 'short' }],
    ['IOC_LOG_LEVEL', { IOC_LOG_LEVEL: 'loud' }],
    ['REDIS_URL', { REDIS_URL: 'http://redis' }],
    ['IOC_DASHBOARD_INSTANCE', { IOC_DASHBOARD_INSTANCE: 'Dashboard 2' }],
    ['IOC_DASHBOARD_INSTANCE', { IOC_DASHBOARD_INSTANCE: '-b' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const error = configRefusal(loadDashboardConfig, env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    expect(error?.message).not.toContain('\n');
  });

  it("does not read the other services' variables", () => {
    expect(() => loadDashboardConfig({ IOC_MQTTS_PORT: '8883', IOC_INGEST_PARTITION: '3/2', IOC_CAMERA_CHECK_FRAMES: '1', IOC_CLUSTER_NODE_TTL_S: 'never' })).not.toThrow();
  });
});
