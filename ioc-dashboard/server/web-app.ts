import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build` puts the Svelte web app. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../web/dist/', import.meta.url));

function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/**
 * Serves the built web app from `dir`, with index.html for any other non-/api GET (client-side routes).
 * Without a build, those requests get a 503 saying how to build it. Unknown /api paths get a JSON 404.
 */
export async function registerWebApp(app: FastifyInstance, dir: string): Promise<void> {
  const built = existsSync(join(dir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: dir, index: 'index.html' });

  app.setNotFoundHandler((request, reply) => {
    const spaRoute = !isApiPath(request.url) && (request.method === 'GET' || request.method === 'HEAD');
    if (spaRoute && built) return reply.sendFile('index.html');
    if (spaRoute) {
      return reply.code(503).send({
        error: { code: 'web_app_not_built', message: `the web app is not built (${dir} is missing): run \`npm run build\` and restart` },
      });
    }
    return reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
