import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from '@ioc/core';
import { SESSION_COOKIE, type SessionStore } from '../auth/sessions.ts';

/** What the server pushes to browsers. */
export interface LiveEvents {
  telemetry: (event: { deviceId: string; ts: number; metrics: Record<string, number> }) => void;
  status: (event: { deviceId: string; online: boolean; ts: number }) => void;
}

export type LiveServer = Server<Record<string, never>, LiveEvents>;

/** socket.io on the dashboard's HTTP server (path /socket.io); a handshake needs a live session cookie. */
export function createLiveServer(
  httpServer: HttpServer,
  sessions: SessionStore,
  parseCookie: (header: string) => Record<string, string | undefined>,
  logger: Logger,
): LiveServer {
  const io: LiveServer = new Server(httpServer, { path: '/socket.io', serveClient: false });
  io.use((socket, next) => {
    const token = parseCookie(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
    const refuse = (reason: string) => {
      logger.warn({ address: socket.handshake.address, reason }, 'socket.io connection refused');
      next(new Error(`unauthenticated: ${reason}`));
    };
    if (!token) return refuse('no session cookie; sign in first');
    sessions.find(token).then(
      (user) => (user ? next() : refuse('session unknown or expired')),
      (error: Error) => refuse(`session lookup failed: ${error.message}`),
    );
  });
  return io;
}
