import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';

/** How long a browser that has seen the dashboard over HTTPS refuses it over plain HTTP (one year). */
const HSTS_MAX_AGE_S = 365 * 86_400;

/**
 * What the web app may load: its own scripts, styles and data; MapLibre's workers (from its own files or blob:
 * URLs) and its images (data:, blob:); socket.io on the same origin. No inline scripts, no plugins, and no page may
 * frame it (clickjacking).
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // Svelte and MapLibre set style attributes on elements.
  styleSrc: ["'self'", "'unsafe-inline'"],
  workerSrc: ["'self'", 'blob:'],
  // Browsers without worker-src (older Safari) read child-src for workers.
  childSrc: ["'self'", 'blob:'],
};

/**
 * Security headers on every answer (helmet: CSP, X-Content-Type-Options nosniff, X-Frame-Options, Referrer-Policy, …).
 * Strict-Transport-Security only on requests that came over HTTPS (directly, or through a trusted proxy: IOC_TRUST_PROXY),
 * since a browser ignores it over HTTP and a plain-HTTP deployment must stay reachable.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    hsts: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE_S}; includeSubDomains`);
  });
}
