import { describe, expect, it } from 'vitest';
import {
  ANOMALIES_TOPIC,
  DEVICE_CHANNELS,
  SERVICE_USER_PREFIX,
  alertTopic,
  allDevicesTopic,
  deviceTopic,
  isDeviceId,
  parseDeviceTopic,
} from '@ioc/core';

describe('topics', () => {
  it('builds the topics of the bus (docs/architecture.md)', () => {
    expect(deviceTopic('air-01', 'telemetry')).toBe('ioc/v1/devices/air-01/telemetry');
    expect(deviceTopic('spk.7', 'cmd')).toBe('ioc/v1/devices/spk.7/cmd');
    expect(allDevicesTopic('status')).toBe('ioc/v1/devices/+/status');
    expect(ANOMALIES_TOPIC).toBe('ioc/v1/anomalies');
    expect(alertTopic('a-1')).toBe('ioc/v1/alerts/a-1');
  });

  it('parses every device channel back', () => {
    for (const channel of DEVICE_CHANNELS) {
      expect(parseDeviceTopic(deviceTopic('dev_1', channel))).toEqual({ deviceId: 'dev_1', channel });
    }
  });

  it.each([
    'ioc/v1/devices/dev-1',
    'ioc/v1/devices/dev-1/telemetry/extra',
    'ioc/v2/devices/dev-1/telemetry',
    'iot/v1/devices/dev-1/telemetry',
    'ioc/v1/things/dev-1/telemetry',
    'ioc/v1/devices/dev-1/firmware',
    'ioc/v1/devices/+/telemetry',
    'ioc/v1/devices/#/telemetry',
    'ioc/v1/devices//telemetry',
    'ioc/v1/anomalies',
  ])('does not take %s for a device topic', (topic) => {
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });

  it('accepts device ids of 1-64 letters, digits, ".", "_" and "-" starting with a letter or digit', () => {
    for (const id of ['a', '7', 'air-hue_01.b', 'x'.repeat(64)]) expect(isDeviceId(id)).toBe(true);
    for (const id of ['', '-a', '.a', 'x'.repeat(65), 'a b', 'a/b', 'a+b', 'a#', 'svc:ingest', 'phường']) {
      expect(isDeviceId(id)).toBe(false);
    }
  });

  it('keeps service usernames apart from device ids', () => {
    expect(isDeviceId(`${SERVICE_USER_PREFIX}ingest`)).toBe(false);
  });
});
