import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '@ioc/core';
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
});
