// Any province can adopt the IOC: its areas come from a directory (IOC_AREAS_DIR: areas.geojson + attribution.txt),
// Huế's by default. Here a second, small area set is swapped in without a code change.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsPoint, createLogger, loadAreaSet } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { buildFleet, loadFleetFile } from '@ioc/device-sim';
import { startIoc, type RunningIoc } from '@ioc/cli';

const SMALL = fileURLToPath(new URL('./fixtures/areas-small/', import.meta.url));

describe('a province swapped in by IOC_AREAS_DIR', () => {
  const dir = tempDir('ioc-areas-');
  const password = 'areas-test-admin-password';
  let ioc: RunningIoc;
  let cookie: string;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${ioc.dashboardUrl}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    ioc = await startIoc({
      env: { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_ADMIN_PASSWORD: password, IOC_DEMO: 'off', IOC_AREAS_DIR: SMALL, IOC_SERVICE_TOKEN: 'areas-test-service-token' },
      logger: createLogger({ level: 'warn' }),
      services: ['gateway', 'dashboard'],
    });
    const login = await fetch(`${ioc.dashboardUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }, 120_000);

  afterAll(async () => {
    await ioc?.stop();
    dir.remove();
  });

  it('serves that province’s areas with its own attribution, and none of Huế’s', async () => {
    const { status, body } = await api<{ attribution: string; features: Array<{ properties: { id: string; name: string; level: string } }> }>('GET', '/api/areas');
    expect(status).toBe(200);
    expect(body.attribution).toBe("Test areas: two made-up squares for the IOC's tests (CC0).");
    expect(body.features.map((f) => [f.properties.id, f.properties.level])).toEqual([['T', 'city'], ['T-1', 'commune'], ['T-2', 'ward']]);
  });

  it('finds a device’s commune from its location in that province', async () => {
    const created = await api('POST', '/api/devices', { id: 'areas-east', kind: 'air', lat: 16.05, lon: 108.25 });
    expect(created.status).toBe(201);
    expect((await api<{ areaId: string | null }>('GET', '/api/devices/areas-east')).body.areaId).toBe('T-2');
    const unknown = await api<{ error: { code: string } }>('POST', '/api/devices', { id: 'areas-hue', kind: 'air', areaId: loadAreaSet().areas[1]!.id });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'unknown_area' } } });
  });

  it('places the simulated fleet inside that province', () => {
    const { areas } = loadAreaSet(SMALL);
    const fleet = buildFleet(loadFleetFile(), areas);
    expect(fleet.length).toBeGreaterThan(0);
    for (const device of fleet) {
      const area = areas.find((a) => a.id === device.areaId);
      expect(area, device.id).toBeDefined();
      expect(containsPoint(area!.geometry, device.lon, device.lat), device.id).toBe(true);
    }
  });
});
