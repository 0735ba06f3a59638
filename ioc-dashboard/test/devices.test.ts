import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDevice,
  deleteDevice,
  getDeviceCredentials,
  loadHueAreas,
  recordAnomalyEvent,
  revokeDeviceToken,
  setDeviceOnline,
  updateDevice,
  verifyToken,
  type AnomalyEvent,
} from '@ioc/core';
import { openTestApp, signIn, type TestApp } from './helpers.ts';

describe('devices API', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  beforeAll(async () => {
    t = await openTestApp();
    admin = await signIn(t.app, 'admin');
    viewer = await signIn(t.app, 'viewer');
    await createDevice(t.db, { id: 'air-1', kind: 'air', areaId: null, lat: 16.46, lon: 107.59 });
    await createDevice(t.db, { id: 'noise-1', kind: 'noise' });
    await setDeviceOnline(t.db, 'noise-1', true, t.clock.now() - 60_000);
    await t.telemetry.write([
      { deviceId: 'air-1', metric: 'pm25', ts: t.clock.now() - 5000, value: 35.5 },
      { deviceId: 'air-1', metric: 'rh', ts: t.clock.now() - 4000, value: 80 },
    ]);
    const alarm = (metric: string, label: AnomalyEvent['label'], state: AnomalyEvent['state'], ago: number): AnomalyEvent =>
      ({ deviceId: 'air-1', kind: 'air', metric, model: 'ioc-env-v2', score: 7, threshold: 6, label, state, ts: t.clock.now() - ago });
    await recordAnomalyEvent(t.db, alarm('pm25', 'sensor_fault', 'raised', 3000));
    await recordAnomalyEvent(t.db, alarm('rh', 'anomaly', 'raised', 2000));
    await recordAnomalyEvent(t.db, alarm('rh', 'anomaly', 'cleared', 1000));
  });
  afterAll(() => t.close());

  it('lists devices with online state, last seen and latest reading', async () => {
    const response = await t.app.inject({ url: '/api/devices', headers: { cookie: viewer } });
    expect(response.statusCode).toBe(200);
    const registry = { attributes: {}, enabled: true, revokedAt: null, createdAt: expect.any(Number), updatedAt: expect.any(Number) };
    expect(response.json()).toEqual({
      items: [
        {
          id: 'air-1',
          kind: 'air',
          areaId: null,
          lat: 16.46,
          lon: 107.59,
          ...registry,
          online: false,
          lastSeen: t.clock.now() - 4000,
          latest: { ts: t.clock.now() - 4000, metrics: { pm25: 35.5, rh: 80 } },
          anomalies: [{ label: 'sensor_fault', metric: 'pm25', score: 7, since: t.clock.now() - 3000 }],
        },
        { id: 'noise-1', kind: 'noise', areaId: null, lat: null, lon: null, ...registry, online: true, lastSeen: t.clock.now() - 60_000, latest: null, anomalies: [] },
      ],
    });
  });

  it('answers one device, or 404', async () => {
    const one = await t.app.inject({ url: '/api/devices/noise-1', headers: { cookie: viewer } });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: 'noise-1', kind: 'noise', online: true, latest: null, anomalies: [] });
    const faulty = await t.app.inject({ url: '/api/devices/air-1', headers: { cookie: viewer } });
    expect(faulty.json().anomalies).toEqual([{ label: 'sensor_fault', metric: 'pm25', score: 7, since: t.clock.now() - 3000 }]);
    const missing = await t.app.inject({ url: '/api/devices/nope', headers: { cookie: viewer } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'no device "nope"' } });
  });

  it('needs a session', async () => {
    for (const url of ['/api/devices', '/api/devices/air-1']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
  });

  it('registers a device for an admin and returns its token once (stored as a hash)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: { cookie: admin },
      payload: { id: 'water-7', kind: 'water', areaId: loadHueAreas()[1]!.id },
    });
    expect(response.statusCode).toBe(201);
    const { id, token } = response.json();
    expect(id).toBe('water-7');
    const credentials = await getDeviceCredentials(t.db, 'water-7');
    expect(credentials?.tokenHash).not.toBe(token);
    expect(verifyToken(token, credentials!.tokenHash)).toBe(true);
  });

  it('fills the area from lat/lon when none is given', async () => {
    const commune = loadHueAreas().find((a) => a.level !== 'city')!;
    const ring = (commune.geometry.type === 'Polygon' ? commune.geometry.coordinates : commune.geometry.coordinates[0]!)[0]!;
    // The mean of a Voronoi cell's vertices lies inside it (cells are convex).
    const lon = ring.reduce((s, p) => s + p[0]!, 0) / ring.length;
    const lat = ring.reduce((s, p) => s + p[1]!, 0) / ring.length;
    const created = await t.app.inject({ method: 'POST', url: '/api/devices', headers: { cookie: admin }, payload: { id: 'air-geo', kind: 'air', lat, lon } });
    expect(created.statusCode).toBe(201);
    const device = await t.app.inject({ url: '/api/devices/air-geo', headers: { cookie: admin } });
    expect(device.json()).toMatchObject({ areaId: commune.id, lat, lon });
  });

  it('refuses registration by non-admins (403) and without a session (401)', async () => {
    const payload = { id: 'air-x', kind: 'air' };
    const operator = await signIn(t.app, 'operator');
    expect((await t.app.inject({ method: 'POST', url: '/api/devices', headers: { cookie: operator }, payload })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/devices', headers: { cookie: viewer }, payload })).json().error.code).toBe('forbidden');
    expect((await t.app.inject({ method: 'POST', url: '/api/devices', payload })).statusCode).toBe(401);
  });

  it('refuses duplicates (409), bad devices and bodies (400) with their reason', async () => {
    const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api/devices', headers: { cookie: admin }, payload: payload as object });
    const duplicate = await post({ id: 'air-1', kind: 'air' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('device_exists');

    const cases: [unknown, string, string][] = [
      [{ id: 'a1', kind: 'toaster' }, 'invalid_device', 'toaster'],
      [{ id: 'bad id!', kind: 'air' }, 'invalid_device', 'bad id!'],
      [{ id: 'a2', kind: 'air', areaId: 'atlantis' }, 'unknown_area', 'atlantis'],
      [{ id: 'a3', kind: 'air', lat: 16.4 }, 'invalid_device', 'lat and lon'],
      [{ id: 'a4', kind: 'air', lat: 95, lon: 107 }, 'invalid_request', 'lat'],
      [{ id: 'a5', kind: 'air', lat: 'north', lon: 107 }, 'invalid_request', 'lat'],
      [{ kind: 'air' }, 'invalid_request', 'id'],
      [{ id: 'a6', kind: 'air', token: 'mine' }, 'invalid_request', 'token'],
    ];
    for (const [payload, code, mention] of cases) {
      const response = await post(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.message).toContain(mention);
    }
  });

  it('lists only what the wall map draws with view=map, and refuses other views', async () => {
    const response = await t.app.inject({ url: '/api/devices?view=map', headers: { cookie: viewer } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const { items } = response.json();
    expect(items.find((d: { id: string }) => d.id === 'air-1')).toEqual({
      id: 'air-1',
      kind: 'air',
      areaId: null,
      lat: 16.46,
      lon: 107.59,
      online: false,
      latest: { ts: t.clock.now() - 4000, metrics: { pm25: 35.5, rh: 80 } },
    });
    expect(items.find((d: { id: string }) => d.id === 'noise-1')).toEqual({ id: 'noise-1', kind: 'noise', areaId: null, lat: null, lon: null, online: true, latest: null });
    const full = (await t.app.inject({ url: '/api/devices?view=full', headers: { cookie: viewer } })).json();
    expect(items.map((d: { id: string }) => d.id)).toEqual(full.items.map((d: { id: string }) => d.id));
    const bad = await t.app.inject({ url: '/api/devices?view=everything', headers: { cookie: viewer } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
    expect((await t.app.inject({ url: '/api/devices?view=map' })).statusCode).toBe(401);
  });

  it('shows changes made outside this server (CLI, another process, plain SQL) and the latest presence and readings on the next request', async () => {
    const list = async (view = 'full') => (await t.app.inject({ url: `/api/devices?view=${view}`, headers: { cookie: viewer } })).json().items as Array<Record<string, unknown>>;
    const item = async (id: string, view = 'full') => (await list(view)).find((d) => d.id === id);
    await list();
    await createDevice(t.db, { id: 'speaker-9', kind: 'speaker', attributes: { owner: 'phường' } });
    expect(await item('speaker-9')).toMatchObject({ kind: 'speaker', attributes: { owner: 'phường' }, online: false, latest: null });
    await t.db.query("UPDATE devices SET lat = 16.5, lon = 107.6, area_id = NULL WHERE id = 'speaker-9'");
    expect(await item('speaker-9', 'map')).toMatchObject({ lat: 16.5, lon: 107.6 });
    await setDeviceOnline(t.db, 'speaker-9', true, t.clock.now());
    await t.telemetry.write([{ deviceId: 'speaker-9', metric: 'volume', ts: t.clock.now(), value: 40 }]);
    expect(await item('speaker-9', 'map')).toMatchObject({ online: true, latest: { ts: t.clock.now(), metrics: { volume: 40 } } });
    await revokeDeviceToken(t.db, 'speaker-9');
    expect((await item('speaker-9'))?.revokedAt).toEqual(expect.any(Number));
    await deleteDevice(t.db, 'speaker-9');
    expect(await item('speaker-9')).toBeUndefined();
  });

  it('lists each device exactly as GET /api/devices/:id answers it', async () => {
    await updateDevice(t.db, 'noise-1', { attributes: { model: 'NL-42', indoor: false, height_m: 3.5, note: 'quote " and \\ and \u00e9' } });
    await revokeDeviceToken(t.db, 'air-geo');
    const { items } = (await t.app.inject({ url: '/api/devices', headers: { cookie: viewer } })).json();
    expect(items.length).toBeGreaterThan(3);
    for (const listed of items) {
      const one = await t.app.inject({ url: `/api/devices/${listed.id}`, headers: { cookie: viewer } });
      expect(listed).toEqual(one.json());
    }
  });
});
