import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';

/** The body of every error response: `{"error": {"code", "message"}}`. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<S, typeof ErrorBody>;
}

/** An error meant for the client: its status, a stable code and a message saying what to fix. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function clientCode(error: FastifyError): string {
  if (error.validation) return 'invalid_request';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported_media_type';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'body_too_large';
  if (error.code?.startsWith('FST_ERR_CTP')) return 'invalid_body';
  return 'bad_request';
}

/** Every error becomes `{"error": {"code", "message"}}` with its status; server faults are logged, not echoed. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: { code: 'internal_error', message: 'internal server error' } });
    }
    return reply.code(status).send({ error: { code: clientCode(error), message: error.message } });
  });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route runs (a malformed URL, a path parameter over
 * its length) in the same envelope, not Fastify's own `{"error", "code", "message", "statusCode"}`.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  const code = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path_too_long' : error.code === 'FST_ERR_BAD_URL' ? 'bad_url' : 'bad_request';
  void reply.code(status).send({ error: { code, message: error.message.slice(0, 200) } });
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'not_found', message);
}

export function badRequest(message: string, code = 'invalid_request'): ApiError {
  return new ApiError(400, code, message);
}
