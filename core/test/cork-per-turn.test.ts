import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { corkPerTurn } from '../src/cork-per-turn.ts';

describe('corkPerTurn', () => {
  it('holds what is written during one turn of the event loop and sends it together afterwards', async () => {
    const server = createServer();
    const received: Buffer[] = [];
    server.on('connection', (peer: Socket) => peer.on('data', (chunk: Buffer) => received.push(chunk)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(true);
    try {
      const holdAcks = corkPerTurn(() => socket);
      for (let id = 1; id <= 3; id++) {
        holdAcks();
        socket.write(Buffer.from([0x40, 0x02, 0x00, id]));
      }
      // Nothing has left yet: without the cork the first PUBACK would have gone to the kernel at once.
      expect(socket.writableLength).toBe(12);
      await new Promise((resolve) => setImmediate(resolve));
      await vi.waitFor(() => expect(Buffer.concat(received)).toEqual(Buffer.from([0x40, 2, 0, 1, 0x40, 2, 0, 2, 0x40, 2, 0, 3])));
      // The next turn's writes are held again.
      holdAcks();
      socket.write(Buffer.from([0x40, 0x02, 0x00, 4]));
      expect(socket.writableLength).toBe(4);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
