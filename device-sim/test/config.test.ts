import { describe, expect, it } from 'vitest';
import { loadCommonConfig } from '@ioc/core';
import { loadSimConfig } from '@ioc/device-sim/config';

describe('loadSimConfig', () => {
  it("reads the common settings and the gateway's per-address connect rate, which the fleet starts under", () => {
    expect(loadSimConfig({})).toEqual({ ...loadCommonConfig({}), gatewayConnectRate: 50 });
    expect(loadSimConfig({ IOC_MQTT_CONNECT_RATE: '0' }).gatewayConnectRate).toBe(0);
    expect(() => loadSimConfig({ IOC_MQTT_CONNECT_RATE: 'fast' })).toThrow(/^IOC_MQTT_CONNECT_RATE: must be a whole number/);
  });

  it("does not read the other services' variables", () => {
    expect(() => loadSimConfig({ IOC_HTTP_PORT: 'eighty', IOC_MQTT_MAX_BACKLOG: 'lots', IOC_CAMERA_CHECK_FRAMES: '1' })).not.toThrow();
  });
});
