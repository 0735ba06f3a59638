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

/** Builds onRequest hooks that require a live session cookie and at least the given role (401 / 403 otherwise). */
export type Guard = (minimum: Role) => onRequestAsyncHookHandler;

export function createGuard(sessions: SessionStore): Guard {
  return (minimum) =>
    async function requireRole(request: FastifyRequest, _reply: FastifyReply) {
      if (!request.user) {
        const token = request.cookies[SESSION_COOKIE];
        const user = token ? await sessions.find(token) : undefined;
        if (!user) throw new ApiError(401, 'unauthenticated', 'sign in first: no valid session (POST /api/auth/login)');
        request.user = user;
      }
      if (!hasRole(request.user.role, minimum)) {
        throw new ApiError(403, 'forbidden', `this needs the ${minimum} role; you are ${request.user.role}`);
      }
    };
}
