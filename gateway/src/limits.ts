import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { addressBucket, type Clock, type Logger } from '@ioc/core';
import type { MqttLimits } from './config.ts';
import { packetParserOf } from './aedes-internals.ts';
import { identityOf } from './identity.ts';
import type { GatewayStats } from './stats.ts';

/** A token bucket: `rate` tokens per second, holding at most `rate` (one second of burst). */
interface Bucket {
  tokens: number;
  at: number;
}

function refill(bucket: Bucket, rate: number, now: number): void {
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
}

/**
 * Sockets not logged in yet, at most, from one address (a /64 for IPv6): this many, or IOC_MQTT_CONNECT_RATE if higher
 * (what the address may open in a second; 0 trusts addresses: no cap); and in all.
 */
export const MAX_PENDING_PER_ADDRESS = 100;
export const MAX_PENDING = 10_000;

/**
 * The gateway's connection limits (IOC_MQTT_*): maximum connections, new connections per second per address
 * (IPv4, or an IPv6 /64: core's addressBucket), maximum packet size, and a cap on bytes queued for one subscriber, so
 * that a slow or stuck subscriber is disconnected instead of stalling delivery to everyone else. Sockets that have
 * not logged in yet do not count towards IOC_MQTT_MAX_CONNECTIONS, so idle sockets cannot keep devices out: they have
 * caps of their own (per address, and MAX_PENDING in all), and aedes closes them after its connect timeout.
 */
export function createConnectionLimits(deps: { limits: MqttLimits; logger: Logger; stats: GatewayStats; clock: Clock }) {
  const { limits, logger, stats, clock } = deps;
  const pendingPerAddress = limits.connectRate === 0 ? Infinity : Math.max(MAX_PENDING_PER_ADDRESS, limits.connectRate);
  const connectBuckets = new Map<string, Bucket>();
  /** Sockets not logged in, per address: the address of each, until it logs in or closes. */
  const pendingByAddress = new Map<string, number>();
  const pendingSockets = new Map<Duplex, string>();
  let open = 0;
  let loggedIn = 0;

  function settle(socket: Duplex): void {
    const address = pendingSockets.get(socket);
    if (address === undefined) return;
    pendingSockets.delete(socket);
    const left = (pendingByAddress.get(address) ?? 1) - 1;
    if (left === 0) pendingByAddress.delete(address);
    else pendingByAddress.set(address, left);
  }

  function refuse(socket: Duplex, ip: string, reason: string): false {
    stats.refusedConnections++;
    logger.warn({ remoteAddress: ip, reason }, 'MQTT connection refused');
    socket.destroy();
    return false;
  }

  /** Forgets buckets that are full again, so addresses seen once do not accumulate. */
  function pruneBuckets(now: number): void {
    for (const [ip, bucket] of connectBuckets) {
      refill(bucket, limits.connectRate, now);
      if (bucket.tokens >= limits.connectRate) connectBuckets.delete(ip);
    }
  }

  function withinConnectRate(address: string): boolean {
    if (limits.connectRate === 0) return true;
    const now = clock.now();
    if (connectBuckets.size > 10_000) pruneBuckets(now);
    const bucket = connectBuckets.get(address) ?? { tokens: limits.connectRate, at: now };
    connectBuckets.set(address, bucket);
    refill(bucket, limits.connectRate, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /**
   * A service in a persistent session (ingest) is not disconnected for falling behind: what it has not acknowledged
   * is held in its session and counted in the broker's backlog, which holds publishers back (publish-gate.ts).
   */
  function keepsItsBacklog(client: Client): boolean {
    return client.clean === false && identityOf(client)?.type === 'service';
  }

  /** Caps the bytes queued for the client: write() never asks aedes to wait, and past the cap the connection closes. */
  function capQueue(client: Client, stream: Duplex): void {
    if (limits.maxQueueBytes === 0) return;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => {
      write(...args);
      if (stream.writableLength > limits.maxQueueBytes && !stream.destroyed && !keepsItsBacklog(client)) {
        stats.slowConsumers++;
        logger.warn(
          { clientId: client.id, queuedBytes: stream.writableLength, limit: limits.maxQueueBytes },
          'MQTT subscriber too slow: disconnected (IOC_MQTT_MAX_QUEUE_BYTES)',
        );
        stream.destroy(new Error('subscriber too slow'));
      }
      return true;
    }) as Duplex['write'];
  }

  /** Refuses packets whose announced length is above the limit, before their bytes are buffered. */
  function capPacketSize(client: Client, remote: string): void {
    if (limits.maxPacketBytes === 0) return;
    const parser = packetParserOf(client);
    const parseLength = parser._parseLength.bind(parser);
    parser._parseLength = () => {
      if (!parseLength()) return false;
      if (parser.packet.length <= limits.maxPacketBytes) return true;
      stats.oversizedPackets++;
      const reason = `${parser.packet.cmd ?? 'packet'} of ${parser.packet.length} bytes is over IOC_MQTT_MAX_PACKET_BYTES (${limits.maxPacketBytes})`;
      logger.warn({ clientId: client.id, remoteAddress: remote, reason }, 'MQTT packet refused: connection closed');
      parser._emitError(new Error(reason));
      return false;
    };
  }

  /**
   * Refuses strings (topics, client ids, usernames) that are not valid UTF-8 [MQTT-1.5.3-1]; mqtt-packet would
   * decode them with U+FFFD. Only a decoded string holding U+FFFD (which valid UTF-8 may also encode) has its
   * bytes checked, so the topic of every publish is not copied out of the parser's buffer list a second time.
   */
  function requireUtf8(client: Client, remote: string): void {
    const parser = packetParserOf(client);
    const parseString = parser._parseString.bind(parser);
    parser._parseString = () => {
      const start = parser._pos + 2;
      const value = parseString();
      if (value === null || !value.includes('\uFFFD') || isUtf8(parser._list.slice(start, parser._pos))) return value;
      stats.malformedPackets++;
      logger.warn({ clientId: client.id, remoteAddress: remote, reason: `${parser.packet.cmd} with a string that is not valid UTF-8` }, 'MQTT packet refused: connection closed');
      return null;
    };
  }

  return {
    /** Decides on a new connection before any MQTT is read; a refused socket is destroyed. */
    admit(socket: Duplex, ip: string): boolean {
      const address = addressBucket(ip);
      if (limits.maxConnections > 0 && loggedIn >= limits.maxConnections) {
        return refuse(socket, ip, `${loggedIn} connections logged in, IOC_MQTT_MAX_CONNECTIONS is ${limits.maxConnections}`);
      }
      if (!withinConnectRate(address)) {
        return refuse(socket, ip, `more than ${limits.connectRate} new connections per second from this address (IOC_MQTT_CONNECT_RATE)`);
      }
      const pending = pendingByAddress.get(address) ?? 0;
      if (pending >= pendingPerAddress || pendingSockets.size >= MAX_PENDING) {
        return refuse(socket, ip, `${pending} connections from this address and ${pendingSockets.size} in all have not logged in yet`);
      }
      pendingByAddress.set(address, pending + 1);
      pendingSockets.set(socket, address);
      open++;
      socket.once('close', () => {
        open--;
        if (pendingSockets.has(socket)) settle(socket);
        else loggedIn--;
      });
      return true;
    },
    /**
     * A socket has logged in: it counts towards IOC_MQTT_MAX_CONNECTIONS from now on. False (and nothing counted)
     * when the cap is reached: the login is then refused.
     */
    loggedIn(socket: Duplex): boolean {
      if (!pendingSockets.has(socket)) return true;
      if (limits.maxConnections > 0 && loggedIn >= limits.maxConnections) return false;
      settle(socket);
      loggedIn++;
      return true;
    },
    /** Applies the per-connection limits to a client aedes has just taken over. */
    watch(client: Client, stream: Duplex, remote: string): void {
      capPacketSize(client, remote);
      requireUtf8(client, remote);
      capQueue(client, stream);
    },
    get open(): number {
      return open;
    },
    /** Sockets that have not logged in yet. */
    get pending(): number {
      return pendingSockets.size;
    },
  };
}

export type ConnectionLimits = ReturnType<typeof createConnectionLimits>;

/**
 * IOC_MQTT_PUBLISH_RATE per connection: a publish over the rate is delayed (its connection's next packets
 * wait behind it, so TCP pushes back on the sender), never dropped.
 */
export function createPublishThrottle(rate: number, clock: Clock, stats: GatewayStats) {
  const buckets = new WeakMap<Client, Bucket>();
  return {
    /** Milliseconds this publish must wait. */
    delay(client: Client | null): number {
      if (rate === 0 || !client) return 0;
      const now = clock.now();
      const bucket = buckets.get(client) ?? { tokens: rate, at: now };
      buckets.set(client, bucket);
      refill(bucket, rate, now);
      bucket.tokens -= 1;
      if (bucket.tokens >= 0) return 0;
      stats.throttledPublishes++;
      return Math.ceil((-bucket.tokens / rate) * 1000);
    },
  };
}
