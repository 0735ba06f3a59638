// Attack tests (hardening issue 19, item 8): a dashboard listening on a real port, attacked over real HTTP and
// socket.io the way another site's page, a client behind a proxy or a guesser would. Each failed before its fix.
import { randomBytes, scryptSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createLogger, findUser, listAuditEvents, upsertUser } from '@ioc/core';
import { PASSWORDS } from './helpers.ts';
import { login, openSocket, openTestServer, type TestServer } from './http-server.ts';

const EVIL = 'http://evil.example';

/** The error envelope of a 4xx, with its code. */
async function expectRefusal(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
}

describe('HTTP attacks on a running dashboard', () => {
  const logLines: string[] = [];
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void logLines.push(chunk.toString('utf8'))) });
    s = await openTestServer({
      logger: createLogger({ level: 'info', destination }),
      health: async () => ({ ingest: { status: 'down', reason: 'connection lost', version: '0.1.0', lastError: 'ECONNREFUSED 10.0.0.7:8086' } }),
      sessionRecheckMs: 200,
    });
    admin = await login(s.url, 'admin');
    await createDevice(s.db, { id: 'air-target', kind: 'air' });
  });
  afterAll(() => s.close());

  describe('security headers', () => {
    it('sends a CSP that forbids framing, inline scripts and plugins, with nosniff, on the API and the web app', async () => {
      for (const path of ['/api/health', '/', '/api/nothing-here']) {
        const response = await fetch(`${s.url}${path}`);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).toContain("worker-src 'self' blob:");
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        // Plain HTTP: no HSTS (a browser would ignore it, and a proxy that is not trusted cannot vouch for TLS).
        expect(response.headers.get('strict-transport-security')).toBeNull();
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
      const spoofed = await fetch(`${s.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    });
  });

  describe('cross-origin requests', () => {
    it('refuses a cross-origin POST, PATCH and DELETE with 403 in the error envelope, and changes nothing', async () => {
      const headers = { cookie: admin, origin: EVIL, 'content-type': 'application/json' };
      await expectRefusal(await fetch(`${s.url}/api/devices`, { method: 'POST', headers, body: JSON.stringify({ id: 'air-forged', kind: 'air' }) }), 403, 'cross_origin');
      await expectRefusal(await fetch(`${s.url}/api/devices/air-target`, { method: 'PATCH', headers, body: JSON.stringify({ enabled: false }) }), 403, 'cross_origin');
      await expectRefusal(await fetch(`${s.url}/api/devices/air-target`, { method: 'DELETE', headers: { cookie: admin, origin: EVIL } }), 403, 'cross_origin');
      await expectRefusal(await fetch(`${s.url}/api/devices/air-target`, { method: 'PUT', headers, body: '{}' }), 403, 'cross_origin');
      await expectRefusal(
        await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { origin: 'null', 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORDS.admin }) }),
        403,
        'cross_origin',
      );
      const device = await fetch(`${s.url}/api/devices/air-target`, { headers: { cookie: admin } });
      expect(((await device.json()) as { enabled: boolean }).enabled).toBe(true);
      expect((await fetch(`${s.url}/api/devices/air-forged`, { headers: { cookie: admin } })).status).toBe(404);
    });

    it('lets the dashboard\'s own origin, and clients that send no Origin (curl, the CLI), change things', async () => {
      const body = JSON.stringify({ enabled: true });
      for (const origin of [s.url, undefined]) {
        const headers: Record<string, string> = { cookie: admin, 'content-type': 'application/json', ...(origin ? { origin } : {}) };
        expect((await fetch(`${s.url}/api/devices/air-target`, { method: 'PATCH', headers, body })).status).toBe(200);
      }
    });

    it('refuses a cross-origin socket.io handshake, even with a valid session cookie, over WebSocket and polling', async () => {
      const viewer = await login(s.url, 'viewer');
      for (const transports of [['websocket'], ['polling']] as const) {
        await expect(openSocket(s.url, { cookie: viewer, origin: EVIL }, [...transports])).rejects.toThrow();
        const own = await openSocket(s.url, { cookie: viewer, origin: s.url }, [...transports]);
        expect(own.connected).toBe(true);
        own.close();
      }
    });
  });

  describe('health without a session', () => {
    it('shows each part\'s status, and hides error texts, versions and counters until signed in', async () => {
      const anonymous = await (await fetch(`${s.url}/api/health`)).text();
      expect(JSON.parse(anonymous)).toEqual({ status: 'down', services: { ingest: { status: 'down' } } });
      for (const secret of ['ECONNREFUSED', '10.0.0.7', '0.1.0', 'connection lost']) expect(anonymous).not.toContain(secret);
      const signedIn = await (await fetch(`${s.url}/api/health`, { headers: { cookie: admin } })).json();
      expect(signedIn).toMatchObject({ services: { ingest: { lastError: 'ECONNREFUSED 10.0.0.7:8086', version: '0.1.0' } } });
    });
  });

  describe('password and role changes', () => {
    it('a password reset ends the user\'s sessions and closes their sockets', async () => {
      const cookie = await login(s.url, 'operator');
      const socket = await openSocket(s.url, { cookie });
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await upsertUser(s.db, 'operator', 'a-brand-new-password', 'operator');
      expect((await fetch(`${s.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
      expect(await closed).toBe('io server disconnect');
      await upsertUser(s.db, 'operator', PASSWORDS.operator, 'operator');
    });

    it('a role change ends the user\'s sessions and closes their sockets', async () => {
      const cookie = await login(s.url, 'radio');
      const socket = await openSocket(s.url, { cookie });
      const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await upsertUser(s.db, 'radio', PASSWORDS.radio, 'viewer');
      expect((await fetch(`${s.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
      expect(await closed).toBe('io server disconnect');
      await upsertUser(s.db, 'radio', PASSWORDS.radio, 'radio');
    });

    it('setting the same password and role again (IOC_ADMIN_PASSWORD at each start) signs nobody out', async () => {
      const cookie = await login(s.url, 'viewer');
      await upsertUser(s.db, 'viewer', PASSWORDS.viewer, 'viewer');
      expect((await fetch(`${s.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    });
  });

  describe('password hashes', () => {
    it('a hash made at Node\'s default scrypt cost still signs in, and is stored again with its parameters', async () => {
      const salt = randomBytes(16);
      const legacy = `scrypt$${salt.toString('base64url')}$${scryptSync(PASSWORDS.radio_lead, salt, 32).toString('base64url')}`;
      await s.db.query("UPDATE users SET password_hash = $1 WHERE username = 'radio_lead'", [legacy]);
      await login(s.url, 'radio_lead');
      const stored = (await findUser(s.db, 'radio_lead'))?.passwordHash ?? '';
      expect(stored).toMatch(/^scrypt\$N=\d+,r=\d+,p=\d+\$/);
      await login(s.url, 'radio_lead');
    });
  });

  describe('telemetry queries', () => {
    it('caps and dedupes telemetry.csv?metrics=', async () => {
      const now = s.clock.now();
      await s.telemetry.write([{ deviceId: 'air-target', metric: 'pm25', ts: now - 1000, value: 12 }]);
      const url = (metrics: string) => `${s.url}/api/devices/air-target/telemetry.csv?metrics=${metrics}&from=${now - 60_000}&to=${now}`;
      await expectRefusal(await fetch(url(Array(1500).fill('pm25').join(',')), { headers: { cookie: admin } }), 400, 'invalid_request');
      await expectRefusal(await fetch(url(Array(40).fill('pm25').join(',')), { headers: { cookie: admin } }), 400, 'invalid_request');
      const repeated = await fetch(url(Array(20).fill('pm25').join(',')), { headers: { cookie: admin } });
      expect(repeated.status).toBe(200);
      expect((await repeated.text()).split('\r\n')[0]).toBe('ts,pm25');
    });

    it('answers an out-of-range from, to or every with 400, not 500', async () => {
      const huge = '99999999999999999999';
      for (const query of [`to=${huge}`, `from=${huge}`, `to=8640000000000001`, `every=${huge}d`, `to=${huge}&from=1`]) {
        for (const path of ['/api/devices/air-target/telemetry?metric=pm25&', '/api/devices/air-target/telemetry.csv?']) {
          await expectRefusal(await fetch(`${s.url}${path}${query}`, { headers: { cookie: admin } }), 400, 'invalid_request');
        }
      }
      for (const path of ['/api/anomalies', '/api/audit', '/api/dead-letters']) {
        await expectRefusal(await fetch(`${s.url}${path}?to=${huge}`, { headers: { cookie: admin } }), 400, 'invalid_request');
      }
    });
  });

  describe('what the HTTP fuzzer found (bench/fuzz/http.ts)', () => {
    it('a NUL character anywhere is a 400, not a database error', async () => {
      const headers = { cookie: admin, 'content-type': 'application/json' };
      await expectRefusal(await fetch(`${s.url}/api/devices/%00`, { headers }), 400, 'invalid_request');
      await expectRefusal(await fetch(`${s.url}/api/dead-letters?deviceId=a%00b`, { headers }), 400, 'invalid_request');
      await expectRefusal(
        await fetch(`${s.url}/api/devices/air-target`, { method: 'PATCH', headers, body: JSON.stringify({ attributes: { pole: 'P\u0000' } }) }),
        400,
        'invalid_request',
      );
    });

    it('a path parameter too long for the router, or a URL that does not decode, comes back in the error envelope', async () => {
      await expectRefusal(await fetch(`${s.url}/api/devices/${'x'.repeat(3000)}`, { headers: { cookie: admin } }), 414, 'path_too_long');
      await expectRefusal(await fetch(`${s.url}/api/devices/%E0%A4%A`, { headers: { cookie: admin } }), 400, 'bad_url');
    });

    it('a bulk registration of the wrong shape is a 400 in the envelope (its schema had required details)', async () => {
      const response = await fetch(`${s.url}/api/devices/bulk`, { method: 'POST', headers: { cookie: admin, 'content-type': 'application/json' }, body: '{"devices": -1}' });
      await expectRefusal(response, 400, 'invalid_request');
    });
  });

  describe('refused logins', () => {
    it('keep a token typed as the username out of the logs and the audit log', async () => {
      const token = randomBytes(32).toString('base64url');
      const response = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: token, password: 'whatever-it-was' }),
      });
      expect(response.status).toBe(401);
      await vi.waitFor(async () => expect((await listAuditEvents(s.db, { action: 'user.login_failure' })).length).toBeGreaterThan(0));
      expect(logLines.join('')).toContain('login refused');
      expect(logLines.join('')).not.toContain(token);
      expect(logLines.join('')).not.toContain(token.slice(0, 8));
      expect(JSON.stringify(await listAuditEvents(s.db, {}))).not.toContain(token.slice(0, 8));
    });
  });
});

describe('behind a reverse proxy', () => {
  const backoff = { username: { freeFailures: 100, baseMs: 60_000, maxMs: 60_000 }, ip: { freeFailures: 2, baseMs: 60_000, maxMs: 60_000 } };
  const wrong = (headers: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'viewer', password: 'not-the-password' }),
  });

  it('IOC_TRUST_PROXY: the cookie is Secure and HSTS is sent for HTTPS at the proxy, and each client has its own address', async () => {
    const s = await openTestServer({ trustProxy: ['127.0.0.1'], loginBackoff: backoff });
    try {
      const response = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.1', origin: 'https://ioc.example', 'x-forwarded-host': 'ioc.example' },
        body: JSON.stringify({ username: 'viewer', password: PASSWORDS.viewer }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}; includeSubDomains$/);
      // One guesser behind the proxy is blocked; another client behind the same proxy is not.
      for (let i = 0; i < 3; i++) await fetch(`${s.url}/api/auth/login`, wrong({ 'x-forwarded-for': '203.0.113.66' }));
      expect((await fetch(`${s.url}/api/auth/login`, wrong({ 'x-forwarded-for': '203.0.113.66' }))).status).toBe(429);
      expect((await fetch(`${s.url}/api/auth/login`, wrong({ 'x-forwarded-for': '203.0.113.2' }))).status).toBe(401);
    } finally {
      await s.close();
    }
  });

  it('without IOC_TRUST_PROXY, forwarded headers are not believed: no client picks its own address or claims HTTPS', async () => {
    const s = await openTestServer({ loginBackoff: backoff });
    try {
      const response = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ username: 'viewer', password: PASSWORDS.viewer }),
      });
      expect(response.headers.get('set-cookie')).not.toMatch(/Secure/);
      for (let i = 0; i < 3; i++) await fetch(`${s.url}/api/auth/login`, wrong({ 'x-forwarded-for': `203.0.113.${10 + i}` }));
      expect((await fetch(`${s.url}/api/auth/login`, wrong({ 'x-forwarded-for': '203.0.113.99' }))).status).toBe(429);
    } finally {
      await s.close();
    }
  });
});
