import { CREDENTIALS_TOPIC, type Logger } from '@ioc/core';
import { describeIdentity, type Identity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

/** Retained topics one integration may hold; a publish that would retain one more is delivered, not retained. */
export const MAX_RETAINED_PER_INTEGRATION = 1000;

/**
 * Which publishes may be retained, applied to a publish the ACL has let through (the retain flag is cleared, the
 * message still delivered). A device's never: its telemetry, events and acks are news, and retained telemetry
 * without `ts` would be ingested again, as new, on every resubscribe. The credentials control topic never: a
 * retained revocation would be acted on again. An integration's up to MAX_RETAINED_PER_INTEGRATION topics (counted
 * by this process, from its start; an empty payload frees one). Services are trusted with theirs (status, health,
 * the registry). Costs one boolean test for a publish that is not retained.
 */
export function createRetainPolicy(deps: { logger: Logger; stats: GatewayStats }) {
  const { logger, stats } = deps;
  const retainedBy = new Map<string, Set<string>>();
  const warned = new Set<string>();

  function mayRetain(identity: Identity, topic: string, empty: boolean): boolean {
    if (topic === CREDENTIALS_TOPIC) return false;
    switch (identity.type) {
      case 'device':
        return false;
      case 'integration': {
        const topics = retainedBy.get(identity.name) ?? new Set<string>();
        retainedBy.set(identity.name, topics);
        if (empty) topics.delete(topic);
        else if (!topics.has(topic)) {
          if (topics.size >= MAX_RETAINED_PER_INTEGRATION) return false;
          topics.add(topic);
        }
        return true;
      }
      default:
        return true;
    }
  }

  return (identity: Identity | undefined, packet: { topic: string; retain: boolean; payload: Buffer | string }): void => {
    if (!packet.retain || !identity) return;
    if (mayRetain(identity, packet.topic, packet.payload.length === 0)) return;
    packet.retain = false;
    stats.unretained++;
    const who = describeIdentity(identity);
    if (warned.has(who)) return;
    warned.add(who);
    logger.warn({ topic: packet.topic }, `${who} may not retain this message: delivered, not retained (logged once per identity)`);
  };
}

export type RetainPolicy = ReturnType<typeof createRetainPolicy>;
