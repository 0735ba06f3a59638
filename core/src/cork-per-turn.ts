import type { Writable } from 'node:stream';

/**
 * Returns `hold()`: its first call in a turn of the event loop corks the stream, and the stream is uncorked in that
 * turn's check phase (`setImmediate`), so everything written in between leaves in one system call instead of one
 * per packet. mqtt-packet's own per-packet cork nests inside this one. `stream` is asked for the stream at each
 * hold, for clients whose socket changes when they reconnect.
 */
export function corkPerTurn(stream: () => Pick<Writable, 'cork' | 'uncork'>): () => void {
  let held = false;
  return function hold(): void {
    if (held) return;
    const corked = stream();
    held = true;
    corked.cork();
    setImmediate(() => {
      held = false;
      corked.uncork();
    });
  };
}
