import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createLoginBackoff,
  findUser,
  hashPassword,
  IP_BACKOFF,
  needsRehash,
  recordAuditEvents,
  setPasswordHash,
  USERNAME_BACKOFF,
  verifyPassword,
  type BackoffPolicy,
  type Clock,
  type Db,
  type NewAuditEvent,
} from '@ioc/core';
import { ApiError, errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from '../auth/sessions.ts';
import { shownUsername } from '../auth/shown-username.ts';
import { UserResponse } from '../schemas/user.ts';

/** A failed login answers no sooner than this, whatever failed, so timing tells nothing. */
export const LOGIN_FAILURE_DELAY_MS = 400;

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);

export interface AuthRoutesOptions {
  db: Db;
  sessions: SessionStore;
  guard: Guard;
  clock: Clock;
  /** Login backoff per username and per IP (default: core's USERNAME_BACKOFF and IP_BACKOFF, as MQTT logins). */
  backoff?: { username: BackoffPolicy; ip: BackoffPolicy };
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { db, sessions, guard, clock, backoff }) => {
  // Compared against when the user is unknown, so both failures cost one scrypt.
  const dummyHash = await hashPassword('not a password');
  // The MQTT gateway's rule: a guesser holds back its own address, not the right password from elsewhere.
  const logins = createLoginBackoff(backoff ?? { username: USERNAME_BACKOFF, ip: IP_BACKOFF }, clock);

  /** Audited, never fatal to the answer: a login works even while the audit log cannot be written. */
  const audit = (events: NewAuditEvent[]) =>
    recordAuditEvents(db, events).catch((error: unknown) => app.log.error({ err: error }, 'login audit events could not be recorded'));

  /** Counts a failure against the username and the IP; the events of any block it starts (`shown`: the username as logged). */
  function failed(username: string, shown: string, ip: string): NewAuditEvent[] {
    const blocks: NewAuditEvent[] = [];
    for (const { scope, address, waitMs } of logins.failed(username, ip)) {
      const target = scope === 'ip' ? address : scope === 'username' ? shown : `${shown} from ${address}`;
      blocks.push({ ts: clock.now(), actor: `user:${shown}`, action: 'user.login_blocked', target, remoteAddress: ip, detail: { scope, waitMs } });
    }
    return blocks;
  }

  app.post(
    '/login',
    {
      schema: {
        summary: 'Sign in; sets the session cookie. Repeated failures block further tries for the username and the IP for a while (429).',
        body: LoginBody,
        response: { 200: UserResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const { username, password } = request.body;
      const ip = request.ip;
      const waitMs = logins.waitFor(username, ip);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        request.log.warn({ username: shownUsername(username, false), ip, waitMs }, 'login refused unchecked: too many failures');
        reply.header('retry-after', String(seconds));
        throw new ApiError(429, 'too_many_failures', `too many failed logins for this username or address: try again in ${seconds} s`);
      }
      const user = await findUser(db, username);
      const valid = await verifyPassword(password, user?.passwordHash ?? dummyHash);
      if (!user || !valid) {
        const shown = shownUsername(username, user !== undefined);
        request.log.warn({ username: shown, ip }, 'login refused: wrong username or password');
        await audit([
          { ts: clock.now(), actor: `user:${shown}`, action: 'user.login_failure', target: null, remoteAddress: ip, detail: { reason: user ? 'wrong password' : 'unknown user' } },
          ...failed(username, shown, ip),
        ]);
        await sleep(Math.max(0, LOGIN_FAILURE_DELAY_MS - (performance.now() - started)));
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
      // The IP's count is kept: one valid login must not reset the budget of a guesser at the same address.
      logins.succeeded(username, ip);
      // A hash made at an older cost is made again at today's, now that the password is at hand.
      if (needsRehash(user.passwordHash)) await setPasswordHash(db, user.id, await hashPassword(password));
      await audit([{ ts: clock.now(), actor: `user:${user.username}`, action: 'user.login', target: null, remoteAddress: ip }]);
      const session = await sessions.create(user.id);
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: 'auto',
        maxAge: SESSION_TTL_MS / 1000,
      });
      request.log.info({ username: user.username }, 'signed in');
      return { user: { username: user.username, role: user.role } };
    },
  );

  app.post(
    '/logout',
    { onRequest: guard('viewer'), schema: { summary: 'Sign out', response: { 204: Type.Null(), ...errorResponses(401) } } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await sessions.delete(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    { onRequest: guard('viewer'), schema: { summary: 'The signed-in user', response: { 200: UserResponse, ...errorResponses(401) } } },
    async (request) => {
      const user = request.user as NonNullable<typeof request.user>;
      return { user: { username: user.username, role: user.role } };
    },
  );
};
