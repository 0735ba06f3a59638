import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Clock, Logger, StoredAnomalyEvent } from '@ioc/core';
import type { CommandRecord, RegistryRecord } from '@ioc/core/contracts';
import { SESSION_COOKIE, sessionId, type SessionStore } from '../auth/sessions.ts';

/** What the server pushes to browsers. */
export interface LiveEvents {
  telemetry: (event: { deviceId: string; ts: number; metrics: Record<string, number> }) => void;
  status: (event: { deviceId: string; online: boolean; ts: number }) => void;
  /** An anomaly raised or cleared (stored once; see GET /api/anomalies). */
  anomaly: (event: StoredAnomalyEvent) => void;
  /** A device registered or changed (its registry record), or deleted (record null): ioc/v1/registry/devices/{id}. */
  device: (event: { id: string; record: RegistryRecord | null }) => void;
  /** A device command sent, acked, failed or expired: its whole record (see GET /api/devices/:id/commands). */
  command: (record: CommandRecord) => void;
}

interface SocketData {
  sessionId: string;
  expiresAt: number;
}

export type LiveServer = Server<Record<string, never>, LiveEvents, Record<string, never>, SocketData>;

const sessionRoom = (id: string) => `session:${id}`;

/**
 * socket.io on the dashboard's HTTP server (path /socket.io). A handshake needs a live session cookie; sockets
 * are closed when their session is signed out or expires.
 */
export function createLiveServer(deps: {
  httpServer: HttpServer;
  sessions: SessionStore;
  parseCookie: (header: string) => Record<string, string | undefined>;
  clock: Clock;
  logger: Logger;
}): LiveServer {
  const { sessions, clock, logger } = deps;
  const io: LiveServer = new Server(deps.httpServer, { path: '/socket.io', serveClient: false });

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
  return io;
}
