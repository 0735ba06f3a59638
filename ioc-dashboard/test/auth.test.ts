import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, listAuditEvents } from '@ioc/core';
import { SESSION_TTL_MS } from '../server/index.ts';
import { openTestApp, PASSWORDS, signIn, type TestApp } from './helpers.ts';

describe('auth API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(() => t.close());

  it('signs in with an httpOnly SameSite=Strict cookie whose hash, not value, is stored', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: PASSWORDS.operator } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: { username: 'operator', role: 'operator' } });
    const cookie = response.cookies.find((c) => c.name === 'ioc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const { rows } = await t.db.query<{ id_hash: string; expires_at: Date }>('SELECT id_hash, expires_at FROM sessions');
    expect(rows.map((r) => r.id_hash)).toContain(hashToken(cookie!.value));
    expect(rows.map((r) => r.id_hash)).not.toContain(cookie!.value);
  });

  it('refuses a wrong password and an unknown user alike with 401', async () => {
    for (const payload of [
      { username: 'admin', password: 'wrong-password' },
      { username: 'nobody', password: 'whatever-password' },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'invalid_credentials', message: 'wrong username or password' } });
      expect(response.cookies).toHaveLength(0);
    }
  });

  it('refuses bad login bodies with 400 naming the field', async () => {
    const cases = [
      { payload: { username: 'admin' }, field: 'password' },
      { payload: { username: 42, password: 'x' }, field: 'username' },
      { payload: { username: 'admin', password: 'x', role: 'admin' }, field: 'role' },
      { payload: { username: '', password: 'x' }, field: 'username' },
    ];
    for (const { payload, field } of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
      expect(response.json().error.message).toContain(field);
    }
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_body');
  });

  it('answers /me for a session and 401 without one', async () => {
    const cookie = await signIn(t.app, 'viewer');
    const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: { username: 'viewer', role: 'viewer' } });

    for (const headers of [{}, { cookie: 'ioc_session=forged-token' }]) {
      const response = await t.app.inject({ url: '/api/auth/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
  });

  it('logs out: the session no longer works', async () => {
    const cookie = await signIn(t.app, 'radio');
    const logout = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'ioc_session')?.value).toBe('');
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('expires sessions after their lifetime', async () => {
    const cookie = await signIn(t.app, 'viewer');
    t.clock.advance(SESSION_TTL_MS - 1000);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    t.clock.advance(2000);
    const expired = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(expired.statusCode).toBe(401);
  });

  describe('login backoff', () => {
    let b: TestApp;
    beforeAll(async () => {
      b = await openTestApp({
        loginBackoff: { username: { freeFailures: 2, baseMs: 1000, maxMs: 60_000 }, ip: { freeFailures: 6, baseMs: 5000, maxMs: 60_000 } },
      });
    });
    afterAll(() => b.close());
    const login = (username: string, password: string) => b.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

    it('blocks a username after repeated failures, even with the right password, until the wait is over; all audited', async () => {
      for (let i = 0; i < 3; i++) expect((await login('admin', 'wrong-password')).statusCode).toBe(401);
      const blocked = await login('admin', PASSWORDS.admin);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBe('1');
      expect(blocked.json().error.code).toBe('too_many_failures');
      expect((await login('operator', PASSWORDS.operator)).statusCode).toBe(200);
      // The guesser holds back its own address only: the right password from another address goes through.
      const elsewhere = await b.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: PASSWORDS.admin }, remoteAddress: '198.51.100.7' });
      expect(elsewhere.statusCode).toBe(200);

      b.clock.advance(1000);
      expect((await login('admin', PASSWORDS.admin)).statusCode).toBe(200);
      const events = await listAuditEvents(b.db, { limit: 50 });
      const actions = events.filter((e) => e.action.startsWith('user.')).map((e) => `${e.action} ${e.actor}`);
      expect(actions.filter((a) => a === 'user.login_failure user:admin')).toHaveLength(3);
      expect(actions).toContain('user.login_blocked user:admin');
      expect(actions.filter((a) => a === 'user.login user:admin')).toHaveLength(2);
      expect(events.filter((e) => e.action === 'user.login_blocked').map((e) => [e.target, e.detail])).toEqual(
        expect.arrayContaining([
          ['admin from 127.0.0.1', { scope: 'address', waitMs: 1000 }],
          ['admin', { scope: 'username', waitMs: 1000 }],
        ]),
      );
    });

    it('blocks an address that guesses many usernames; a valid login from it does not reset its count', async () => {
      b.clock.advance(60_001);
      for (const name of ['a1', 'a2', 'a3']) expect((await login(name, 'guess-password')).statusCode).toBe(401);
      expect((await login('viewer', PASSWORDS.viewer)).statusCode).toBe(200);
      for (const name of ['a4', 'a5', 'a6', 'a7']) expect((await login(name, 'guess-password')).statusCode).toBe(401);
      const blocked = await login('radio', PASSWORDS.radio);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBe('5');
    });
  });
});
