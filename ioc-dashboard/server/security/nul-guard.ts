import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.ts';

/** Whether any string in `value` (walked without recursion, so no nesting overflows the stack) holds a NUL. */
function holdsNul(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path;
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return path;
        stack.push([child, `${path}/${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses with 400 any request whose path parameters, query or body hold a NUL character: no text the IOC keeps
 * may contain one (PostgreSQL's text and jsonb cannot), so it is refused here rather than failing in the database.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const at = holdsNul(value);
      if (at !== undefined) throw badRequest(`${part}${at} holds a NUL character, which no field accepts`);
    }
  });
}
