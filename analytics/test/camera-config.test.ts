import { describe, expect, it } from 'vitest';
import { ConfigError, loadCommonConfig } from '@ioc/core';
import { configRefusal } from '@ioc/core/testing';
import { loadCameraHealthConfig } from '@ioc/analytics/config';

describe('loadCameraHealthConfig', () => {
  it('checks one camera at a time, each every minute, three frames a check, unless told otherwise', () => {
    expect(loadCameraHealthConfig({})).toEqual({ ...loadCommonConfig({}), cameraChecks: { intervalMs: 60_000, concurrency: 1, frames: 3 } });
    expect(loadCameraHealthConfig({ IOC_CAMERA_CHECK_INTERVAL_S: '300', IOC_CAMERA_CHECKS_AT_ONCE: '2', IOC_CAMERA_CHECK_FRAMES: '4' }).cameraChecks).toEqual({
      intervalMs: 300_000,
      concurrency: 2,
      frames: 4,
    });
  });

  it.each([
    ['IOC_CAMERA_CHECK_INTERVAL_S', { IOC_CAMERA_CHECK_INTERVAL_S: '0' }],
    ['IOC_CAMERA_CHECKS_AT_ONCE', { IOC_CAMERA_CHECKS_AT_ONCE: 'two' }],
    ['IOC_CAMERA_CHECK_FRAMES', { IOC_CAMERA_CHECK_FRAMES: '1' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const error = configRefusal(loadCameraHealthConfig, env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    expect(error?.message).not.toContain('\n');
  });

  it("does not read the other services' variables", () => {
    expect(() => loadCameraHealthConfig({ IOC_HTTP_PORT: 'eighty', IOC_INGEST_PARTITION: '3/2', IOC_MQTT_MAX_BACKLOG: 'lots' })).not.toThrow();
  });
});
