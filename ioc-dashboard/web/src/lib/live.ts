import { io, type Socket } from 'socket.io-client';
import type { RegistryRecord } from '@ioc/core/contracts';
import type { AlertEvent, AnomalyItem, StatusEvent, TelemetryEvent } from './types.ts';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export type LiveMessage =
  | { type: 'telemetry'; event: TelemetryEvent }
  | { type: 'status'; event: StatusEvent }
  | { type: 'anomaly'; event: AnomalyItem }
  /** An alert fired, acknowledged, assigned or resolved: its whole state. */
  | { type: 'alert'; event: AlertEvent }
  /** A device registered, changed (kind, place, area) or deleted (record null). */
  | { type: 'device'; event: { id: string; record: RegistryRecord | null } };

export interface LiveHandlers {
  /** All messages that arrived since the previous animation frame, in arrival order. */
  onBatch(messages: LiveMessage[]): void;
  onConnection(state: ConnectionState): void;
  /** Called after a reconnection, when messages may have been missed. */
  onResync(): void;
  /** The server refused the connection (e.g. the session expired); it is retried a few seconds later. */
  onRefused(): void;
}

const RETRY_REFUSED_MS = 5_000;

/**
 * The socket.io feed (same origin, session cookie). Messages are queued and handed over once per animation frame,
 * so thousands of messages a second cost one re-render per frame.
 */
export function connectLive(handlers: LiveHandlers): { close(): void } {
  const socket: Socket = io({ path: '/socket.io', withCredentials: true });
  let queue: LiveMessage[] = [];
  let frame = 0;
  let connectedBefore = false;
  let retry = 0;

  const flush = () => {
    frame = 0;
    const batch = queue;
    queue = [];
    if (batch.length > 0) handlers.onBatch(batch);
  };
  const enqueue = (message: LiveMessage) => {
    queue.push(message);
    // requestAnimationFrame does not run in hidden tabs; a timer keeps the queue bounded there.
    if (frame === 0) frame = document.hidden ? window.setTimeout(flush, 250) : requestAnimationFrame(flush);
  };

  handlers.onConnection('connecting');
  socket.on('connect', () => {
    handlers.onConnection('connected');
    if (connectedBefore) handlers.onResync();
    connectedBefore = true;
  });
  // socket.io retries transport failures itself, but not a refusal or a disconnection by the server.
  const refused = () => {
    handlers.onRefused();
    retry = window.setTimeout(() => socket.connect(), RETRY_REFUSED_MS);
  };
  socket.on('disconnect', (reason) => {
    handlers.onConnection('disconnected');
    if (reason === 'io server disconnect') refused();
  });
  socket.on('connect_error', () => {
    handlers.onConnection('disconnected');
    if (!socket.active) refused();
  });
  socket.io.on('reconnect_attempt', () => handlers.onConnection('connecting'));
  socket.on('telemetry', (event: TelemetryEvent) => enqueue({ type: 'telemetry', event }));
  socket.on('status', (event: StatusEvent) => enqueue({ type: 'status', event }));
  socket.on('anomaly', (event: AnomalyItem) => enqueue({ type: 'anomaly', event }));
  socket.on('alert', (event: AlertEvent) => enqueue({ type: 'alert', event }));
  socket.on('device', (event: { id: string; record: RegistryRecord | null }) => enqueue({ type: 'device', event }));

  return {
    close() {
      window.clearTimeout(retry);
      socket.close();
      queue = [];
    },
  };
}
