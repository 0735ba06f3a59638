import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findUser, hashPassword, verifyPassword, type Db } from '@ioc/core';
import { ApiError, errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from '../auth/sessions.ts';

/** A failed login answers no sooner than this, whatever failed, so timing tells nothing. */
export const LOGIN_FAILURE_DELAY_MS = 400;

export const UserResponse = Type.Object({
  user: Type.Object({ username: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('radio'), Type.Literal('viewer')]) }),
});

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);

export interface AuthRoutesOptions {
  db: Db;
  sessions: SessionStore;
  guard: Guard;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { db, sessions, guard }) => {
  // Compared against when the user is unknown, so both failures cost one scrypt.
  const dummyHash = await hashPassword('not a password');

  app.post(
    '/login',
    { schema: { summary: 'Sign in; sets the session cookie', body: LoginBody, response: { 200: UserResponse, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const started = performance.now();
      const { username, password } = request.body;
      const user = await findUser(db, username);
      const valid = await verifyPassword(password, user?.passwordHash ?? dummyHash);
      if (!user || !valid) {
        request.log.warn({ username, ip: request.ip }, 'login refused: wrong username or password');
        await sleep(Math.max(0, LOGIN_FAILURE_DELAY_MS - (performance.now() - started)));
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
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
