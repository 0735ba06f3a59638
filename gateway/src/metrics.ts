import type { Aedes } from 'aedes';
import type { Clock, Logger } from '@ioc/core';
import type { GatewayStats } from './stats.ts';

export interface LiveCounters {
  clients: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
}

/**
 * Live counters: every `intervalMs` the message rates since the last tick are computed, and the gateway's
 * numbers are published (not retained, QoS 0) under `$SYS/ioc/gateway/{node}/`: `clients`,
 * `messages/in/per_second`, `messages/out/per_second`, and `health` with the whole health() object as JSON.
 */
export function createLiveMetrics(deps: {
  broker: Aedes;
  stats: GatewayStats;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  health: () => Record<string, unknown>;
}) {
  const { broker, stats, clock, logger, intervalMs, health } = deps;
  const root = `$SYS/ioc/gateway/${broker.id}`;
  let last = { at: clock.now(), in: stats.messagesIn, out: stats.messagesOut };
  const live: LiveCounters = { clients: 0, messagesInPerSecond: 0, messagesOutPerSecond: 0 };

  function publish(topic: string, value: unknown): void {
    const payload = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    broker.publish({ cmd: 'publish', topic: `${root}/${topic}`, payload, qos: 0, retain: false, dup: false }, (error) => {
      if (error) logger.warn({ err: error, topic }, 'could not publish $SYS metric');
    });
  }

  function tick(): void {
    const now = clock.now();
    const seconds = Math.max((now - last.at) / 1000, 0.001);
    live.messagesInPerSecond = Math.round((stats.messagesIn - last.in) / seconds);
    live.messagesOutPerSecond = Math.round((stats.messagesOut - last.out) / seconds);
    last = { at: now, in: stats.messagesIn, out: stats.messagesOut };
    live.clients = broker.connectedClients;
    publish('clients', String(live.clients));
    publish('messages/in/per_second', String(live.messagesInPerSecond));
    publish('messages/out/per_second', String(live.messagesOutPerSecond));
    publish('health', health());
  }

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    live,
    stop(): void {
      clearInterval(timer);
    },
  };
}
