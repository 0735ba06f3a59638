import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Aedes } from 'aedes';
import type { Logger } from '@ioc/core';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { setRemoteAddress } from './identity.ts';
import type { ConnectionLimits } from './limits.ts';
import { coalesceWrites } from './write-coalescing.ts';

/** Hands an accepted connection to aedes unless the limits refuse it. */
function accept(broker: Aedes, limits: ConnectionLimits, socket: Socket, stream: Duplex = socket, request?: IncomingMessage): void {
  const ip = socket.remoteAddress ?? 'unknown';
  if (!limits.admit(stream, ip)) return;
  socket.setNoDelay(true);
  if (stream === socket) coalesceWrites(socket);
  const remote = `${ip}:${socket.remotePort}`;
  const client = broker.handle(stream, request);
  setRemoteAddress(client, remote);
  limits.watch(client, stream, remote);
}

/**
 * The plain-TCP MQTT listener. Nagle is switched off on every accepted socket (with it on, small QoS 0
 * messages wait for the peer's delayed ACK and p99 latency goes from ~1 ms to ~40 ms); instead the packets
 * written in one turn of the event loop leave together (write-coalescing.ts).
 */
export function createTcpListener(broker: Aedes, limits: ConnectionLimits): Server {
  return createServer((socket) => accept(broker, limits, socket));
}

export interface TlsFiles {
  cert: string;
  key: string;
  /** With a CA, clients are asked for a certificate (optional: token logins still work without one). */
  ca?: string;
  /** The CA's revocation list: a certificate it lists fails verification (certificate-login.ts refuses it). */
  crl?: string;
}

/** Reads the PEM files, with an error naming the file that cannot be read. */
function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${variable}: cannot read "${path}": ${(error as Error).message}`);
  }
}

/** How often the revocation list's file is looked at for a change. */
export const CRL_POLL_MS = 5000;

/**
 * MQTT over TLS. With a CA (mutual TLS) a client may present a certificate; whether it is valid is decided
 * at login (certificate-login.ts), so one listener serves certificate and token logins alike. A revocation list
 * (IOC_TLS_CRL) is read again when its file changes, for the handshakes that follow; one that cannot be read keeps
 * the one before, with an error logged.
 */
export function createTlsListener(broker: Aedes, limits: ConnectionLimits, files: TlsFiles, logger: Logger): Server {
  const options = () => ({
    cert: readPem(files.cert, 'IOC_TLS_CERT'),
    key: readPem(files.key, 'IOC_TLS_KEY'),
    ...(files.ca ? { ca: readPem(files.ca, 'IOC_TLS_CA'), requestCert: true, rejectUnauthorized: false } : {}),
    ...(files.crl ? { crl: readPem(files.crl, 'IOC_TLS_CRL') } : {}),
  });
  const server = createTlsServer(options(), (socket: TLSSocket) => accept(broker, limits, socket));
  const crl = files.crl;
  if (crl) {
    const reload = () => {
      try {
        server.setSecureContext(options());
        logger.info({ file: crl }, 'certificate revocation list read again (IOC_TLS_CRL)');
      } catch (error) {
        logger.error({ err: error, file: crl }, 'certificate revocation list could not be read again: the previous one stays');
      }
    };
    watchFile(crl, { interval: CRL_POLL_MS, persistent: false }, reload);
    server.once('close', () => unwatchFile(crl, reload));
  }
  // A failed handshake (plain MQTT on the TLS port, a scanner) concerns that socket only.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server;
}

/** The bytes a fixed header adds to a packet's remaining length: one type byte and up to four length bytes. */
const FIXED_HEADER_BYTES = 5;

/**
 * MQTT over WebSocket on any path (clients usually use /mqtt), subprotocol "mqtt". A WebSocket message longer than
 * the largest packet (IOC_MQTT_MAX_PACKET_BYTES) closes the connection as ws reads its header (1009), instead of
 * being buffered whole (ws' default is 100 MiB) before the packet-size guard sees it.
 */
export function createWebSocketListener(broker: Aedes, limits: ConnectionLimits, maxPacketBytes: number): HttpServer {
  const server = createHttpServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with a WebSocket client\n');
  });
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    ...(maxPacketBytes > 0 ? { maxPayload: maxPacketBytes + FIXED_HEADER_BYTES } : {}),
  });
  wss.on('connection', (ws, request) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    accept(broker, limits, request.socket, stream, request);
  });
  server.on('close', () => wss.close());
  return server;
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // WebSocket and TLS servers keep idle sockets; the broker has closed its clients by now.
    (server as HttpServer).closeAllConnections?.();
  });
}
