import type { AddressInfo } from 'node:net';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createSessionStore } from '../server/index.ts';
import { createLiveServer, type LiveServer } from '../server/live/socket-server.ts';
import { logger, openTestApp, PASSWORDS, type TestApp } from './helpers.ts';
import type { Role } from '@ioc/core';

export interface TestServer extends TestApp {
  /** http://127.0.0.1:<port> */
  url: string;
  io: LiveServer;
}

/** The dashboard app listening on a real port (127.0.0.1), with its socket.io server: what an attacker reaches. */
export async function openTestServer(options: Parameters<typeof openTestApp>[0] & { sessionRecheckMs?: number } = {}): Promise<TestServer> {
  const t = await openTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const io = createLiveServer({
    httpServer: t.app.server,
    sessions: createSessionStore(t.db, t.clock),
    parseCookie: (header) => t.app.parseCookie(header),
    clock: t.clock,
    logger: options.logger ?? logger,
    trustProxy: options.trustProxy !== undefined,
    sessionRecheckMs: options.sessionRecheckMs,
  });
  const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  return {
    ...t,
    url,
    io,
    close: async () => {
      await io.close();
      await t.close();
    },
  };
}

/** Signs in over HTTP; the Cookie header value for later requests. */
export async function login(url: string, role: Role, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: role, password: PASSWORDS[role] }),
  });
  if (response.status !== 200) throw new Error(`sign-in as ${role} failed: ${response.status} ${await response.text()}`);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

/** A socket.io client with these headers; resolves once connected, rejects with the refusal. */
export function openSocket(url: string, headers: Record<string, string>, transports: ('polling' | 'websocket')[] = ['websocket']): Promise<Socket> {
  const socket = connectSocket(url, { path: '/socket.io', transports, extraHeaders: headers, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}
