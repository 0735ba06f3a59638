import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Role, User } from '@ioc/core';
import { ApiError } from '../errors.ts';
import { hasRole } from './roles.ts';
import { SESSION_COOKIE, type SessionStore } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, set by the session guard. */
    user?: User;
  }
}

/**
 * Builds onRequest hooks that require a live session cookie and at least the given role (401 / 403 otherwise);
 * `identify` finds the signed-in user of a route open to anyone, if there is one.
 */
export type Guard = ((minimum: Role) => onRequestAsyncHookHandler) & { identify(request: FastifyRequest): Promise<User | undefined> };

export function createGuard(sessions: SessionStore): Guard {
  async function identify(request: FastifyRequest): Promise<User | undefined> {
    if (!request.user) {
      const token = request.cookies[SESSION_COOKIE];
      request.user = token ? await sessions.find(token) : undefined;
    }
    return request.user;
  }
  const guard = (minimum: Role) =>
    async function requireRole(request: FastifyRequest, _reply: FastifyReply) {
      const user = await identify(request);
      if (!user) throw new ApiError(401, 'unauthenticated', 'sign in first: no valid session (POST /api/auth/login)');
      if (!hasRole(user.role, minimum)) throw new ApiError(403, 'forbidden', `this needs the ${minimum} role; you are ${user.role}`);
    };
  return Object.assign(guard, { identify });
}
