import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server was asked, as it arrived. */
export interface Influx2Request {
  method: string;
  path: string;
  params: Record<string, string>;
  authorization?: string;
}

export interface Influx2Api {
  /** http://127.0.0.1:PORT */
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Every request, in order. */
  readonly requests: Influx2Request[];
  /** The next `times` writes are refused with `status` (429, 500, 503…), with Retry-After when `retryAfterS` is given. */
  refuseWrites(status: number, options?: { times?: number; retryAfterS?: number }): void;
  close(): Promise<void>;
}

const VERSION = 'v2.7.11';
const PRECISIONS: Record<string, string> = { ns: 'ns', us: 'u', ms: 'ms', s: 's' };

/**
 * A local server speaking InfluxDB 2.x's documented HTTP API, in front of a real InfluxDB 1.x (Debian's influxd)
 * that stores and queries: no InfluxDB 2.x binary can be installed here. It answers as 2.x does:
 * - `POST /api/v2/write?org=&bucket=&precision=` with `Authorization: Token …` (plain bodies: the adapter does not
 *   gzip): 204 once the points are stored; 400 (`invalid`: bad line protocol, a missing bucket, an unknown precision),
 *   401 (`unauthorized`), 404 (`not found`: another org or bucket), 413 (`request too large`), and what
 *   refuseWrites() asks for (429/503 with Retry-After), each with a JSON body `{"code", "message"}`;
 * - `/query` (the v1 compatibility API) with the token, on the bucket's name as database (its virtual DBRP
 *   mapping), SELECT and SHOW only;
 * - `GET /ping`: 204 with `X-Influxdb-Version: v2.7.11`.
 * The bucket is the upstream's database of the same name, created at start, as an operator creates a bucket.
 */
export async function startInflux2Api(options: { upstream: string; org?: string; bucket: string; token?: string; maxBodyBytes?: number }): Promise<Influx2Api> {
  const org = options.org ?? 'hue';
  const token = options.token ?? 'ioc-test-token-0123456789';
  const maxBodyBytes = options.maxBodyBytes ?? 25_000_000;
  const requests: Influx2Request[] = [];
  let refusals: { status: number; times: number; retryAfterS?: number } | undefined;

  await upstreamQuery(options.upstream, new URLSearchParams({ q: `CREATE DATABASE "${options.bucket}"` }));

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => answer(res, 500, 'internal error', error.message));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: Influx2Request = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    };
    requests.push(request);
    const body = await readBody(req, maxBodyBytes);
    if (url.pathname === '/ping') {
      res.writeHead(204, { 'x-influxdb-version': VERSION, 'x-influxdb-build': 'OSS' }).end();
      return;
    }
    if (req.headers.authorization !== `Token ${token}`) return answer(res, 401, 'unauthorized', 'unauthorized access');
    if (url.pathname === '/api/v2/write' && req.method === 'POST') return write(url.searchParams, req, body, res);
    if (url.pathname === '/query') return query(url.searchParams, req, body, res);
    answer(res, 404, 'not found', 'path not found');
  }

  async function write(params: URLSearchParams, req: IncomingMessage, body: Buffer | undefined, res: ServerResponse): Promise<void> {
    if (!body) return answer(res, 413, 'request too large', 'unable to read data: points batch is too large');
    if (!params.get('org') && !params.get('orgID')) return answer(res, 400, 'invalid', 'Please provide either orgID or org');
    if (params.get('org') !== org) return answer(res, 404, 'not found', `organization name "${params.get('org') ?? params.get('orgID')}" not found`);
    const bucket = params.get('bucket');
    if (!bucket) return answer(res, 400, 'invalid', 'Please provide bucket');
    if (bucket !== options.bucket) return answer(res, 404, 'not found', `bucket "${bucket}" not found`);
    const precision = PRECISIONS[params.get('precision') ?? 'ns'];
    if (!precision) return answer(res, 400, 'invalid', `invalid precision "${params.get('precision')}"`);
    if (refusals && refusals.times > 0) {
      refusals.times -= 1;
      const headers = refusals.retryAfterS !== undefined ? { 'retry-after': String(refusals.retryAfterS) } : undefined;
      const code = refusals.status === 429 ? 'too many requests' : refusals.status === 503 ? 'unavailable' : 'internal error';
      return answer(res, refusals.status, code, `refused by the test (${refusals.status})`, headers);
    }
    if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
      return answer(res, 400, 'invalid', `content encoding ${req.headers['content-encoding']} is not served by this test server`);
    }
    const upstream = await fetch(`${options.upstream}/write?db=${encodeURIComponent(bucket)}&precision=${precision}`, { method: 'POST', body: new Uint8Array(body) });
    if (upstream.status === 204) {
      res.writeHead(204).end();
      return;
    }
    const text = await upstream.text();
    answer(res, upstream.status >= 500 ? 500 : 400, upstream.status >= 500 ? 'internal error' : 'invalid', upstreamMessage(text));
  }

  async function query(params: URLSearchParams, req: IncomingMessage, body: Buffer | undefined, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(params);
    if (req.method === 'POST' && body) for (const [key, value] of new URLSearchParams(body.toString('utf8'))) form.set(key, value);
    const db = form.get('db');
    if (db !== options.bucket) return answer(res, 404, 'not found', `no dbrp mapping found for database "${db ?? ''}"`);
    const statements = (form.get('q') ?? '').split(';').map((s) => s.trim()).filter(Boolean);
    const refused = statements.find((s) => !/^(SELECT|SHOW)\b/i.test(s));
    if (refused) return answer(res, 400, 'invalid', `not supported by the v1 compatibility API: ${refused.split(' ').slice(0, 3).join(' ')}`);
    const upstream = await upstreamQuery(options.upstream, form);
    res.writeHead(200, { 'content-type': 'application/json' }).end(upstream);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    org,
    bucket: options.bucket,
    requests,
    refuseWrites(status, { times = 1, retryAfterS } = {}) {
      refusals = { status, times, retryAfterS };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The body, or undefined when it is larger than `limit` (the rest is read and dropped). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

function answer(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify({ code, message }));
}

function upstreamMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text;
  }
}

async function upstreamQuery(upstream: string, form: URLSearchParams): Promise<string> {
  const response = await fetch(`${upstream}/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const text = await response.text();
  if (!response.ok) throw new Error(`upstream InfluxDB ${response.status}: ${text}`);
  return text;
}
