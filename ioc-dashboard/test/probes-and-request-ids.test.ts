// What a load balancer asks (liveness, readiness) and what ties a request to its log lines (its id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ioc/core';
import { openTestApp, type TestApp } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger: logger.child({ service: 'dashboard' }), lines };
}

describe('load balancer probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness without a session, 200 with {"status": "ok"}', async () => {
    for (const url of ['/api/health/live', '/api/health/ready']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    }
  });

  it('answers readiness 503 when its database does not answer, while liveness stays 200', async () => {
    const broken = await openTestApp();
    await broken.db.close();
    try {
      const ready = await broken.app.inject({ url: '/api/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'down' });
      expect((await broken.app.inject({ url: '/api/health/live' })).statusCode).toBe(200);
    } finally {
      await broken.app.close();
    }
  });
});

describe('request ids', () => {
  const failedLogin = { method: 'POST' as const, url: '/api/auth/login', payload: { username: 'viewer', password: 'wrong-password-1' } };

  it('gives each request a random id, answered in X-Request-Id and carried by its log lines with the service', async () => {
    const { logger, lines } = capturedLogger();
    const t = await openTestApp({ logger });
    try {
      const first = await t.app.inject(failedLogin);
      const second = await t.app.inject(failedLogin);
      const ids = [first, second].map((response) => response.headers['x-request-id']);
      expect(ids[0]).toMatch(UUID);
      expect(ids[1]).toMatch(UUID);
      expect(ids[0]).not.toBe(ids[1]);
      const refusals = lines.filter((line) => line.msg === 'login refused: wrong username or password');
      expect(refusals.map((line) => [line.requestId, line.service])).toEqual([
        [ids[0], 'dashboard'],
        [ids[1], 'dashboard'],
      ]);
    } finally {
      await t.close();
    }
  });

  it("keeps a trusted proxy's X-Request-Id, and ignores a client's own or a malformed one", async () => {
    const behindProxy = await openTestApp({ trustProxy: ['loopback'] });
    const direct = await openTestApp();
    try {
      const viaProxy = await behindProxy.app.inject({ ...failedLogin, headers: { 'x-request-id': 'haproxy-7f3a:42' } });
      expect(viaProxy.headers['x-request-id']).toBe('haproxy-7f3a:42');
      const malformed = await behindProxy.app.inject({ ...failedLogin, headers: { 'x-request-id': 'two words' } });
      expect(malformed.headers['x-request-id']).toMatch(UUID);
      const fromClient = await direct.app.inject({ ...failedLogin, headers: { 'x-request-id': 'chosen-by-client' } });
      expect(fromClient.headers['x-request-id']).toMatch(UUID);
    } finally {
      await behindProxy.close();
      await direct.close();
    }
  });
});
