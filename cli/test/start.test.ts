import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { startIoc, type RunningIoc } from '@ioc/cli';

interface DeviceItem {
  id: string;
  kind: string;
  areaId: string | null;
  latest: { ts: number; metrics: Record<string, number> } | null;
}

describe('ioc start, all-in-one with the demo fleet', () => {
  const dir = tempDir('ioc-start-');
  const password = 'test-admin-password';
  let ioc: RunningIoc;

  beforeAll(async () => {
    ioc = await startIoc({
      env: { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_ADMIN_PASSWORD: password },
      logger: createLogger({ level: 'warn' }),
      simIntervalMs: 3000,
    });
  });
  afterAll(async () => {
    await ioc?.stop();
    dir.remove();
  });

  it('runs gateway, ingest, dashboard and the simulated fleet on ephemeral ports', async () => {
    expect(ioc.services.map((s) => s.name)).toEqual(['gateway', 'ingest', 'dashboard', 'analytics', 'camera-health', 'frigate', 'alerting', 'sim']);
    expect(ioc.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(ioc.dashboardUrl).toMatch(/^http:\/\/localhost:[1-9]\d*$/);
    // Each service's health reaches the dashboard over the bus.
    const statuses = async () => {
      const health = (await (await fetch(`${ioc.dashboardUrl}/api/health`)).json()) as { status: string; services: Record<string, { status: string }> };
      return { overall: health.status, ...Object.fromEntries(ioc.services.map((s) => [s.name, health.services[s.name]?.status])) };
    };
    await expect.poll(statuses).toEqual({ overall: 'ok', gateway: 'ok', ingest: 'ok', dashboard: 'ok', analytics: 'ok', 'camera-health': 'ok', frigate: 'ok', alerting: 'ok', sim: 'ok' });
  });

  it('lists at least 40 simulated devices, each with a recent reading', async () => {
    const login = await fetch(`${ioc.dashboardUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

    let items: DeviceItem[] = [];
    for (let attempt = 0; attempt < 150; attempt++) {
      const response = await fetch(`${ioc.dashboardUrl}/api/devices`, { headers: { cookie } });
      expect(response.status).toBe(200);
      items = ((await response.json()) as { items: DeviceItem[] }).items.filter((d) => d.id.startsWith('air-'));
      if (items.length >= 40 && items.every((d) => d.latest)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(items.length).toBeGreaterThanOrEqual(40);
    for (const device of items) {
      expect(device.latest, device.id).toBeTruthy();
      expect(Date.now() - device.latest!.ts, device.id).toBeLessThan(60_000);
      expect(Object.keys(device.latest!.metrics).sort()).toEqual(['battery_v', 'co', 'no2', 'o3', 'pm10', 'pm25', 'rh', 'temp_c']);
    }
  });
});
