import type { Clock, Db, Health, Logger } from '@ioc/core';
import { createEsmsChannel } from './channels/esms.ts';
import type { Channel } from './channels/channel.ts';
import { createWebhookChannel } from './channels/webhook.ts';
import { createZaloOaChannel } from './channels/zalo-oa.ts';
import { createZaloTokens } from './channels/zalo-token.ts';
import { createZnsChannel } from './channels/zalo-zns.ts';
import type { ChannelName, NotifyConfig } from './config.ts';
import { deliverBatch, markWaitingChannels } from './delivery.ts';
import { assignGroups, flushDueGroups } from './dispatcher.ts';
import { escalateDue } from './escalation.ts';
import { createRateLimiter } from './rate-limit.ts';

export interface NotifierDeps {
  db: Db;
  config: NotifyConfig;
  logger: Logger;
  clock: Clock;
  /** How often groups, escalations and waiting channels are looked at (default 1 s). */
  tickMs?: number;
  /** How long an idle delivery worker waits before it looks for due rows again (default 500 ms). */
  pollMs?: number;
  /** The channels, when a test brings its own; default the four of the configuration. */
  channels?: Channel[];
}

export interface Notifier {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<Health>;
}

/** Where a provider posts its receipts, when the public address and the callback secret are set. */
export function callbackUrl(config: NotifyConfig, provider: 'esms' | 'zalo'): string | undefined {
  const { publicUrl, secret } = config.callback;
  return publicUrl && secret ? `${publicUrl}/api/provider-callbacks/${provider}/${secret}` : undefined;
}

/** The four channels of the configuration. */
export function createChannels(deps: Pick<NotifierDeps, 'db' | 'config' | 'logger' | 'clock'>, hasStoredZaloToken: () => boolean): Channel[] {
  const { config } = deps;
  const timeoutMs = config.delivery.requestTimeoutMs;
  const tokens = createZaloTokens(config.zalo, { db: deps.db, clock: deps.clock, logger: deps.logger, timeoutMs });
  return [
    createEsmsChannel(config.esms, { callbackUrl: callbackUrl(config, 'esms'), timeoutMs }),
    createZnsChannel(config.zalo, tokens, { timeoutMs, hasStoredToken: hasStoredZaloToken }),
    createZaloOaChannel(config.zalo, tokens, { timeoutMs, hasStoredToken: hasStoredZaloToken }),
    createWebhookChannel(config.webhookSecret, { timeoutMs, clock: deps.clock }),
  ];
}

/**
 * The notification pipeline of the alerting service: a dispatcher (groups, flushes, escalations) and delivery
 * workers draining the outbox (IOC_NOTIFY_WORKERS of them, each with its own claimed batch). Both keep their state in
 * the database only, so any number of notifiers may run (on PostgreSQL) and a killed one loses nothing: its claimed
 * rows are taken again after their lease.
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { db, config, logger, clock } = deps;
  const tickMs = deps.tickMs ?? 1000;
  const pollMs = deps.pollMs ?? 500;
  let storedZaloToken = false;
  const channels = new Map<ChannelName, Channel>((deps.channels ?? createChannels(deps, () => storedZaloToken)).map((c) => [c.name, c]));
  const limiter = createRateLimiter(config.delivery.ratePerS);
  let running = false;
  let lastError: string | null = null;
  const loops: Promise<void>[] = [];
  /** The idle delivery workers' wake-ups. */
  const sleepers = new Set<() => void>();
  const wake = () => {
    for (const resolve of sleepers) resolve();
  };
  const sleep = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    let resolve: () => void = () => {};
    return new Promise<void>((done) => {
      resolve = done;
      sleepers.add(done);
      timer = setTimeout(done, ms);
    }).finally(() => {
      clearTimeout(timer);
      sleepers.delete(resolve);
    });
  };
  const failed = (what: string) => (error: unknown) => {
    lastError = `${what}: ${(error as Error).message}`;
    logger.error({ err: error }, `notifications: ${what} failed`);
  };

  async function dispatchRound(): Promise<void> {
    const now = clock.now();
    storedZaloToken = (await db.query("SELECT 1 FROM channel_tokens WHERE channel = 'zalo' AND refresh_token <> ''")).rows.length > 0;
    while ((await assignGroups(db, config.grouping)) > 0);
    const flushed = await flushDueGroups(db, now);
    for (const error of flushed.errors) failed('a group\'s flush')(new Error(error));
    const escalated = await escalateDue(db, now, 100, failed('an escalation step'));
    await markWaitingChannels(db, channels, now);
    if (flushed.rows + escalated > 0) wake();
  }

  async function dispatchLoop(): Promise<void> {
    while (running) {
      await dispatchRound().catch(failed('dispatch'));
      if (running) await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  }

  async function deliveryLoop(): Promise<void> {
    while (running) {
      const tried = await deliverBatch({ db, clock, logger, channels, settings: config.delivery, limiter }).catch((error: unknown) => {
        failed('delivery')(error);
        return 0;
      });
      if (tried === 0 && running) await sleep(pollMs);
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      for (const channel of channels.values()) {
        const missing = channel.missing();
        if (missing) logger.warn(`${missing}; its notifications wait in the outbox`);
      }
      loops.push(dispatchLoop(), ...Array.from({ length: config.delivery.workers }, () => deliveryLoop()));
    },
    async stop() {
      running = false;
      wake();
      await Promise.all(loops.splice(0));
    },
    async health() {
      const channelStates = Object.fromEntries([...channels.values()].map((c) => [c.name, c.missing() ?? 'ready']));
      const { rows } = await db.query<{ channel: string; queued: string }>(`SELECT channel, count(*) AS queued FROM notification_outbox WHERE status = 'queued' GROUP BY channel`);
      const queued = Object.fromEntries(rows.map((r) => [r.channel, Number(r.queued)]));
      const waiting = [...channels.values()].filter((c) => c.missing() !== undefined && (queued[c.name] ?? 0) > 0);
      const unconfigured = [...channels.values()].filter((c) => c.missing() !== undefined).map((c) => c.name);
      const reason =
        waiting.length > 0
          ? `notifications waiting for unconfigured channels: ${waiting.map((c) => `${c.name} (${queued[c.name]})`).join(', ')}`
          : !running
            ? 'stopped'
            : undefined;
      return {
        status: running && waiting.length === 0 ? 'ok' : 'degraded',
        ...(reason ? { reason } : {}),
        channels: channelStates,
        unconfiguredChannels: unconfigured,
        queued,
        lastError,
      };
    },
  };
}
