import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAreaSet, recordDeadLetters } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { openTestApp, signIn, type TestApp } from './helpers.ts';

describe('health, dead letters, areas, docs and errors', () => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  beforeAll(async () => {
    t = await openTestApp({ health: async () => ({ dashboard: { status: 'ok' }, ingest: { status: 'down', error: 'stopped' } }) });
    operator = await signIn(t.app, 'operator');
    viewer = await signIn(t.app, 'viewer');
    const ts = t.clock.now();
    await recordDeadLetters(t.db, [
      { deviceId: 'air-1', topic: 'ioc/v1/devices/air-1/telemetry', payload: '{oops', reason: 'malformed JSON', ts: ts - 2000 },
      { deviceId: 'air-2', topic: 'ioc/v1/devices/air-2/telemetry', payload: '{"metrics":{"x":1}}', reason: 'unknown metric "x"', ts: ts - 1000 },
    ]);
  });
  afterAll(() => t.close());

  it('reports each part\'s status without a session, and its details only to signed-in users', async () => {
    const response = await t.app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'degraded', services: { dashboard: { status: 'ok' }, ingest: { status: 'down' } } });
    const signedIn = await t.app.inject({ url: '/api/health', headers: { cookie: viewer } });
    expect(signedIn.json()).toEqual({
      status: 'degraded',
      services: { dashboard: { status: 'ok' }, ingest: { status: 'down', error: 'stopped' } },
    });
  });

  it('lists dead letters newest first for operators, filtered and limited', async () => {
    const all = await t.app.inject({ url: '/api/dead-letters', headers: { cookie: operator } });
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((d: { reason: string }) => d.reason)).toEqual(['unknown metric "x"', 'malformed JSON']);
    expect(all.json().items[1]).toMatchObject({ deviceId: 'air-1', topic: 'ioc/v1/devices/air-1/telemetry', payload: '{oops', ts: t.clock.now() - 2000 });
    const one = await t.app.inject({ url: '/api/dead-letters?deviceId=air-1', headers: { cookie: operator } });
    expect(one.json().items).toHaveLength(1);
    const limited = await t.app.inject({ url: '/api/dead-letters?limit=1', headers: { cookie: operator } });
    expect(limited.json().items).toHaveLength(1);
  });

  it('refuses dead letters to viewers (403), strangers (401) and bad limits (400)', async () => {
    expect((await t.app.inject({ url: '/api/dead-letters', headers: { cookie: viewer } })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/dead-letters' })).statusCode).toBe(401);
    for (const limit of ['0', 'ten', '100000']) {
      const response = await t.app.inject({ url: `/api/dead-letters?limit=${limit}`, headers: { cookie: operator } });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain('limit');
    }
  });

  it('serves the areas as GeoJSON with the attribution', async () => {
    const response = await t.app.inject({ url: '/api/areas', headers: { cookie: viewer } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.type).toBe('FeatureCollection');
    expect(body.attribution).toBe(loadAreaSet().attribution);
    expect(body.features.length).toBeGreaterThanOrEqual(41);
    expect(body.features[0].properties).toMatchObject({ level: 'city', parentId: null });
    const commune = body.features.find((f: { properties: { level: string } }) => f.properties.level !== 'city');
    expect(commune.properties.parentId).toBe(body.features[0].properties.id);
    expect(['Polygon', 'MultiPolygon']).toContain(commune.geometry.type);
    expect((await t.app.inject({ url: '/api/areas' })).statusCode).toBe(401);
  });

  it('serves the OpenAPI document under /api/docs to signed-in users', async () => {
    const response = await t.app.inject({ url: '/api/docs/json', headers: { cookie: viewer } });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/health', '/api/auth/login', '/api/devices', '/api/devices/{id}', '/api/devices/{id}/telemetry', '/api/dead-letters', '/api/areas']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/api/devices'].post.requestBody).toBeDefined();
    expect((await t.app.inject({ url: '/api/docs', headers: { cookie: viewer } })).statusCode).toBeLessThan(400);
    expect((await t.app.inject({ url: '/api/docs/json' })).statusCode).toBe(401);
  });

  it('answers unknown API paths with a JSON 404 and unbuilt web pages with a 503 saying to build', async () => {
    const api = await t.app.inject({ url: '/api/nothing-here', headers: { cookie: viewer } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/nothing-here' } });
    const page = await t.app.inject({ url: '/map' });
    expect(page.statusCode).toBe(503);
    expect(page.json().error.message).toContain('npm run build');
  });
});

describe('web app serving', () => {
  const dist = tempDir('ioc-web-');
  let t: TestApp;
  beforeAll(async () => {
    mkdirSync(join(dist.path, 'assets'));
    writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>IOC Huế</title>');
    writeFileSync(join(dist.path, 'assets', 'app.js'), 'console.log(1)');
    t = await openTestApp({ webDir: dist.path });
  });
  afterAll(async () => {
    await t.close();
    dist.remove();
  });

  it('serves files and falls back to index.html for client routes, not for /api', async () => {
    const root = await t.app.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('IOC Huế');
    expect((await t.app.inject({ url: '/assets/app.js' })).body).toBe('console.log(1)');
    const route = await t.app.inject({ url: '/devices/air-1' });
    expect(route.statusCode).toBe(200);
    expect(route.headers['content-type']).toContain('text/html');
    expect(route.body).toContain('IOC Huế');
    const api = await t.app.inject({ url: '/api/unknown' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });
});
