// A local HTTP server standing in for a provider we cannot reach from tests (eSMS, Zalo, a subscriber's webhook).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What a handler answers: a status and JSON, or `drop` to close the socket without answering (an unknown outcome). */
export type ProviderAnswer = { status: number; json: unknown } | 'drop';

export interface ProviderServer {
  url: string;
  /** From now on act on requests but keep the answers back (a provider that has sent but not yet answered)… */
  hold(): void;
  /** …and answer them. */
  release(): void;
  close(): Promise<void>;
}

/** `latencyMs`: how long the provider takes to answer after it has acted on a request (a kill can land in between). */
export async function startProviderServer(handle: (request: ProviderRequest) => ProviderAnswer | Promise<ProviderAnswer>, latencyMs = 0): Promise<ProviderServer> {
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://provider');
      void Promise.resolve(handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })).then(
        async (answer) => {
          if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
          if (gate) await gate.promise;
          if (answer === 'drop') return void req.socket.destroy();
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
        },
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      let open = () => {};
      gate ??= { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Scripted trouble for the next requests, consumed one per request. */
export function script<T>() {
  const queue: T[] = [];
  return { push: (...items: T[]) => void queue.push(...items), next: (): T | undefined => queue.shift() };
}
