import type { IncomingHttpHeaders, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Clock, Logger } from '@ioc/core';
import { SESSION_COOKIE, sessionId, type SessionStore } from '../auth/sessions.ts';
import { isCrossOrigin } from '../security/origin.ts';
import type { LiveEvents } from './live-events.ts';

export type { LiveEvents } from './live-events.ts';

interface SocketData {
  sessionId: string;
  expiresAt: number;
}

export type LiveServer = Server<Record<string, never>, LiveEvents, Record<string, never>, SocketData>;

const sessionRoom = (id: string) => `session:${id}`;

/** How often the sessions of open sockets are checked against the store (a session ended by another process). */
const SESSION_RECHECK_MS = 5000;

/** The host a handshake was sent to: X-Forwarded-Host's last entry when proxies are trusted (IOC_TRUST_PROXY), else Host. */
function requestHost(headers: IncomingHttpHeaders, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? [headers['x-forwarded-host'] ?? []].flat().join(',') : '';
  return forwarded ? forwarded.split(',').at(-1)?.trim() : headers.host;
}

/**
 * socket.io on the dashboard's HTTP server (path /socket.io). A handshake needs a live session cookie and, from a
 * browser, the dashboard's own origin; sockets are closed when their session is signed out, expires or is ended
 * (a password or role change, by any process: checked every `sessionRecheckMs`).
 */
export function createLiveServer(deps: {
  httpServer: HttpServer;
  sessions: SessionStore;
  parseCookie: (header: string) => Record<string, string | undefined>;
  clock: Clock;
  logger: Logger;
  /** Whether reverse proxies are trusted (IOC_TRUST_PROXY), so X-Forwarded-Host is the host. */
  trustProxy?: boolean;
  sessionRecheckMs?: number;
}): LiveServer {
  const { sessions, clock, logger } = deps;
  const io: LiveServer = new Server(deps.httpServer, {
    path: '/socket.io',
    serveClient: false,
    // Cross-site WebSocket hijacking: another site's page may open a socket with the user's cookie.
    allowRequest: (request, callback) => {
      const refused = isCrossOrigin(request.headers.origin, requestHost(request.headers, deps.trustProxy ?? false));
      if (refused) logger.warn({ address: request.socket.remoteAddress, origin: request.headers.origin?.slice(0, 100) }, 'socket.io handshake refused: cross-origin');
      callback(refused ? 'cross-origin handshake refused' : null, !refused);
    },
  });

  io.use((socket, next) => {
    const token = deps.parseCookie(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
    const refuse = (reason: string) => {
      logger.warn({ address: socket.handshake.address, reason }, 'socket.io connection refused');
      next(new Error(`unauthenticated: ${reason}`));
    };
    if (!token) return refuse('no session cookie; sign in first');
    sessions.find(token).then(
      (user) => {
        if (!user) return refuse('session unknown or expired');
        socket.data = { sessionId: sessionId(token), expiresAt: user.expiresAt };
        next();
      },
      (error: Error) => refuse(`session lookup failed: ${error.message}`),
    );
  });

  io.on('connection', (socket) => {
    void socket.join(sessionRoom(socket.data.sessionId));
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, socket.data.expiresAt - clock.now()));
    socket.once('disconnect', () => clearTimeout(expiry));
  });
  sessions.onDeleted((id) => io.in(sessionRoom(id)).disconnectSockets(true));

  const recheck = setInterval(() => {
    const open = [...new Set([...io.of('/').sockets.values()].map((socket) => socket.data.sessionId))];
    if (open.length === 0) return;
    sessions.live(open).then(
      (live) => {
        for (const id of open) if (!live.has(id)) io.in(sessionRoom(id)).disconnectSockets(true);
      },
      (error: unknown) => logger.warn({ err: error }, 'could not check the sessions of open sockets'),
    );
  }, deps.sessionRecheckMs ?? SESSION_RECHECK_MS);
  recheck.unref();
  deps.httpServer.once('close', () => clearInterval(recheck));
  return io;
}
