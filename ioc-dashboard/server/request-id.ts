import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** What a request id handed in by a trusted proxy may look like: short, and nothing that could break a log line. */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The field of a request's log lines that holds its id (Fastify's LogController option). */
export const REQUEST_ID_LOG_LABEL = 'requestId';

/**
 * Each request's id, the `requestId` of every log line written for it (request.log) and its `X-Request-Id` answer
 * header, so an operator's error report finds its lines. Random, so ids of several dashboard processes or restarts
 * never collide; behind trusted reverse proxies (IOC_TRUST_PROXY) the proxy's own `X-Request-Id` is kept, so one id
 * follows the request through the proxy's log and ours. A client's own is not believed otherwise: it could pose as
 * another request.
 */
export function requestIdOptions(trustProxy: boolean) {
  return {
    genReqId(request: IncomingMessage): string {
      const given = trustProxy ? request.headers['x-request-id'] : undefined;
      return typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
    },
  };
}

/** Answers every request with its id in `X-Request-Id`. */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
}
