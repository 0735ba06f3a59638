import type { Socket } from 'node:net';
import { corkPerTurn } from '@ioc/core';

/**
 * Makes a socket send what aedes writes to it during one turn of the event loop in one system call.
 *
 * aedes writes each outgoing packet on its own (mqtt-packet corks the socket and uncorks it on the next tick), so
 * a subscriber receiving a stream of messages costs one `writev` per packet: the largest single cost of the
 * broker in a profile. Here the first write of a turn holds the socket corked until the event loop's check
 * phase, by which time the packets of every publish handled in that turn are queued; they leave in one `writev`.
 * A packet waits at most one turn of the loop. `end()` and `destroy()` flush or drop the queue as usual.
 */
export function coalesceWrites(socket: Socket): void {
  const hold = corkPerTurn(() => socket);
  const write = socket.write;
  socket.write = function coalescedWrite(this: Socket, ...args: Parameters<Socket['write']>) {
    hold();
    return write.apply(this, args);
  } as Socket['write'];
}
