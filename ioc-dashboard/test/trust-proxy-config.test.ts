import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ioc/core';
import { loadDashboardConfig } from '@ioc/dashboard/config';

describe('IOC_TRUST_PROXY', () => {
  it('trusts no proxy unless told which', () => {
    expect(loadDashboardConfig({}).trustProxy).toBeUndefined();
    expect(loadDashboardConfig({ IOC_TRUST_PROXY: 'off' }).trustProxy).toBeUndefined();
  });

  it('takes the proxies\' addresses, CIDR ranges and proxy-addr names', () => {
    expect(loadDashboardConfig({ IOC_TRUST_PROXY: '10.0.0.5' }).trustProxy).toEqual(['10.0.0.5']);
    expect(loadDashboardConfig({ IOC_TRUST_PROXY: '10.0.0.5, 192.168.0.0/16,fd00::/8,::1,loopback' }).trustProxy).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
  });

  it.each(['true', 'on', '*', '1', 'proxy.example', '10.0.0.0/33', '::/129', '10.0.0.1/8/8', '10.0.0.1,,10.0.0.2', '300.1.1.1'])(
    'refuses "%s" with one line naming the variable (never "trust everyone", nor a hop count)',
    (value) => {
      let error: unknown;
      try {
        loadDashboardConfig({ IOC_TRUST_PROXY: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('IOC_TRUST_PROXY');
      expect((error as ConfigError).message).toMatch(/^IOC_TRUST_PROXY: must be off, or the reverse proxies' IP addresses/);
      expect((error as ConfigError).message).not.toContain('\n');
    },
  );
});
