/**
 * Stock aedes 1.x with its defaults (in-memory persistence, no authentication, no hooks) on the port given as
 * the first argument: the gateway benchmark's second peer, which shows what our own work on top of aedes costs.
 * Nagle is off on its sockets, as on the gateway's.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer((socket) => {
  socket.setNoDelay(true);
  broker.handle(socket);
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => broker.close(() => server.close(() => process.exit(0))));
