import type { FastifyInstance } from 'fastify';

/**
 * Every route of a ready Fastify app as `METHOD /path`, read from its own route table (printRoutes' tree: each
 * line is a path segment under the line it is indented under, with the methods that end there).
 */
export function routeTable(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.trimEnd());
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    parents.length = depth;
    const path = `${parents.join('')}${match[2] as string}`;
    parents.push(match[2] as string);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) routes.push(`${method} ${path}`);
  }
  return routes;
}
