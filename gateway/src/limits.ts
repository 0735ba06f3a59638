import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import type { Clock, Logger, MqttLimits } from '@ioc/core';
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

/** The parts of mqtt-packet's parser the packet-size guard hooks into (aedes keeps one per client). */
interface PacketParser {
  packet: { cmd?: string; length: number };
  _pos: number;
  _list: { length: number; slice(start: number, end: number): Buffer };
  _parseLength(): boolean;
  _parseString(): string | null;
  _emitError(error: Error): void;
}

/**
 * The gateway's connection limits (IOC_MQTT_*): maximum connections, new connections per second per IP,
 * maximum packet size, and a cap on bytes queued for one subscriber, so that a slow or stuck subscriber is
 * disconnected instead of stalling delivery to everyone else.
 */
export function createConnectionLimits(deps: { limits: MqttLimits; logger: Logger; stats: GatewayStats; clock: Clock }) {
  const { limits, logger, stats, clock } = deps;
  const connectBuckets = new Map<string, Bucket>();
  let open = 0;

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

  function withinConnectRate(ip: string): boolean {
    if (limits.connectRate === 0) return true;
    const now = clock.now();
    if (connectBuckets.size > 10_000) pruneBuckets(now);
    const bucket = connectBuckets.get(ip) ?? { tokens: limits.connectRate, at: now };
    connectBuckets.set(ip, bucket);
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
    const parser = (client as unknown as { _parser: PacketParser })._parser;
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
    const parser = (client as unknown as { _parser: PacketParser })._parser;
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
      if (limits.maxConnections > 0 && open >= limits.maxConnections) {
        return refuse(socket, ip, `${open} connections open, IOC_MQTT_MAX_CONNECTIONS is ${limits.maxConnections}`);
      }
      if (!withinConnectRate(ip)) {
        return refuse(socket, ip, `more than ${limits.connectRate} new connections per second from this address (IOC_MQTT_CONNECT_RATE)`);
      }
      open++;
      socket.once('close', () => open--);
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
