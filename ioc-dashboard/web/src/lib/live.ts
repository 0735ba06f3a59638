import { io, type Socket } from 'socket.io-client';
import type { StatusEvent, TelemetryEvent } from './types.ts';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export type LiveMessage = { type: 'telemetry'; event: TelemetryEvent } | { type: 'status'; event: StatusEvent };

export interface LiveHandlers {
  /** All messages that arrived since the previous animation frame, in arrival order. */
  onBatch(messages: LiveMessage[]): void;
  onConnection(state: ConnectionState): void;
  /** Called after a reconnection, when messages may have been missed. */
  onResync(): void;
}

/**
 * The socket.io feed (same origin, session cookie). Messages are queued and handed over once per animation frame,
 * so thousands of messages a second cost one re-render per frame.
 */
export function connectLive(handlers: LiveHandlers): { close(): void } {
  const socket: Socket = io({ path: '/socket.io', withCredentials: true });
  let queue: LiveMessage[] = [];
  let frame = 0;
  let connectedBefore = false;

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
  socket.on('disconnect', () => handlers.onConnection('disconnected'));
  socket.on('connect_error', () => handlers.onConnection('disconnected'));
  socket.io.on('reconnect_attempt', () => handlers.onConnection('connecting'));
  socket.on('telemetry', (event: TelemetryEvent) => enqueue({ type: 'telemetry', event }));
  socket.on('status', (event: StatusEvent) => enqueue({ type: 'status', event }));

  return {
    close() {
      socket.close();
      queue = [];
    },
  };
}
