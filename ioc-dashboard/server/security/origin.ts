import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';

/** Methods that change state: a browser sends them cross-origin only from another site's page. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a request's Origin header names another site than the host it was sent to. No Origin (curl, the CLI,
 * scripts, a same-origin GET) is not cross-origin: browsers send one with every cross-origin request, every
 * WebSocket and every POST. `null` (sandboxed frames, file: pages, some redirects) counts as cross-origin.
 */
export function isCrossOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return false;
  if (host === undefined) return true;
  try {
    return new URL(origin).host !== new URL(`http://${host}`).host;
  } catch {
    return true;
  }
}

/**
 * Refuses POST, PUT, PATCH and DELETE whose Origin is another site (cross-site request forgery, on top of the
 * SameSite=Strict cookie) with 403 `cross_origin`. The host is the request's own (X-Forwarded-Host behind a proxy
 * trusted by IOC_TRUST_PROXY), so the rule holds behind a reverse proxy that keeps the Host header.
 */
export function refuseCrossOriginWrites(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING.has(request.method)) return;
    const origin = request.headers.origin;
    if (isCrossOrigin(origin, request.host)) {
      throw new ApiError(403, 'cross_origin', `a ${request.method} from origin ${String(origin).slice(0, 100)} is refused: use the dashboard's own origin`);
    }
  });
}
