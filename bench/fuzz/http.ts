// An HTTP fuzzer driven by the dashboard's OpenAPI document: every operation, with path, query and body values
// from its schemas, at and past their bounds, and junk. Whatever the request, the server must never answer 5xx, and
// every 4xx must be the error envelope {"error": {"code", "message"}}. Run briefly by
// ioc-dashboard/test/http-fuzz.test.ts in `npm test`, and at length by `npx ioc bench fuzz-http`.
import fc from 'fast-check';
import type { FuzzOutcome } from './decoders.ts';
import { textOf, valueOf, nastyText, type JsonSchema } from './openapi-arbitraries.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

export interface HttpOperation {
  method: string;
  /** The OpenAPI path, e.g. /api/devices/{id}. */
  path: string;
  operation: Operation;
}

interface FuzzRequest {
  path: string;
  query: [string, string][];
  body?: { contentType: string; text: string };
}

/** Every operation of the document; the ones that end the session or remove things go last, so they do not starve the others. */
export function operationsOf(document: OpenApiDocument): HttpOperation[] {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
  const rank = (op: HttpOperation) => (op.path.endsWith('/logout') ? 2 : op.method === 'DELETE' ? 1 : 0);
  return operations.sort((a, b) => rank(a) - rank(b));
}

/** A path segment percent-encoded; a lone surrogate (which encodeURIComponent refuses) becomes U+FFFD. */
function encodeSegment(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

/** Requests for one operation: `known` values of path parameters (ids that exist) mixed with anything. */
function requestsFor({ path, operation }: HttpOperation, known: Record<string, string[]>): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const segment = (p: Parameter) =>
    fc.oneof(
      { arbitrary: fc.oneof(...(known[p.name]?.length ? [fc.constantFrom(...(known[p.name] as string[]))] : []), textOf(p.schema ?? {})).map(encodeSegment), weight: 9 },
      // Sent as they are: percent-encodings that do not decode.
      { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '..%2F..'), weight: 1 },
    ).filter((v) => v.length > 0);
  const pathArb = fc.tuple(...pathParams.map(segment)).map((values) =>
    pathParams.reduce((built, p, i) => built.replace(`{${p.name}}`, values[i] as string), path),
  );
  const queryArb = fc
    .tuple(
      fc.tuple(...queryParams.map((p) => fc.option(textOf(p.schema ?? {}), { freq: 2, nil: undefined }).map((v) => [p.name, v] as const))),
      fc.option(fc.tuple(fc.constantFrom('extra', 'limit', '__proto__'), nastyText), { freq: 8, nil: undefined }),
      fc.boolean(),
    )
    .map(([pairs, stray, repeat]) => {
      const query = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined);
      if (stray) query.push(stray);
      // A parameter given twice arrives as an array.
      if (repeat && query[0]) query.push(query[0]);
      return query;
    });
  const bodies = Object.entries(operation.requestBody?.content ?? {}).map(([contentType, { schema }]) =>
    contentType === 'application/json'
      ? valueOf(schema ?? {}).map((value) => ({ contentType, text: JSON.stringify(value) ?? 'null' }))
      : nastyText.map((text) => ({ contentType, text: `id,kind\n${text}` })),
  );
  const junk = fc.oneof(
    fc.constantFrom('{', '[', '{"a":', 'null', '', '\u0000', '{"__proto__":{"x":1}}').map((text) => ({ contentType: 'application/json', text })),
    nastyText.map((text) => ({ contentType: 'text/plain', text })),
  );
  const bodyArb = bodies.length ? fc.option(fc.oneof({ arbitrary: fc.oneof(...bodies), weight: 5 }, { arbitrary: junk, weight: 1 }), { freq: 10, nil: undefined }) : fc.constant(undefined);
  return fc.record({ path: pathArb, query: queryArb, body: bodyArb }).map(({ path: built, query, body }) => (body ? { path: built, query, body } : { path: built, query }));
}

/** What the server answered, judged: undefined when fine, else what is wrong. */
async function judge(response: Response): Promise<string | undefined> {
  const text = await response.text();
  if (response.status >= 500) return `${response.status}: ${text.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string') return undefined;
  } catch {
    // judged below
  }
  return `${response.status} without the error envelope: ${text.slice(0, 300)}`;
}

export interface HttpFuzzTarget {
  /** The server, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Cookie header of a signed-in admin (every route past its guard). */
  cookie: string;
  /** Values of path parameters that exist (device ids, account usernames). */
  known: Record<string, string[]>;
}

/** Fuzzes one operation for `numRuns` requests; the first failure ends it with its counterexample. */
export async function fuzzOperation(target: HttpFuzzTarget, op: HttpOperation, numRuns: number, seed: number): Promise<FuzzOutcome> {
  const property = fc.asyncProperty(requestsFor(op, target.known), async (request) => {
    const search = new URLSearchParams(request.query).toString();
    const response = await fetch(`${target.url}${request.path}${search ? `?${search}` : ''}`, {
      method: op.method,
      headers: { cookie: target.cookie, ...(request.body ? { 'content-type': request.body.contentType } : {}) },
      body: request.body?.text,
      redirect: 'manual',
    });
    const problem = await judge(response);
    if (problem) throw new Error(problem);
  });
  const details = await fc.check(property, { numRuns, seed, endOnFailure: true });
  const outcome: FuzzOutcome = { target: `${op.method} ${op.path}`, cases: details.numRuns, failures: details.failed ? 1 : 0 };
  if (details.failed) {
    outcome.counterexample = JSON.stringify(details.counterexample?.[0]).slice(0, 2000);
    outcome.error = String(details.errorInstance).slice(0, 500);
  }
  return outcome;
}
