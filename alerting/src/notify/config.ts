import { ConfigError, readCount, readText, readUrl, type ConfigEnv } from '@ioc/core';
import { GROUP_FIELDS, type GroupField } from './rule-notify.ts';

/** The channels a subscriber may be told on. */
export const CHANNELS = ['sms', 'zns', 'zalo_oa', 'webhook'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** Alertmanager's route timers: the defaults of every rule's `notify` (rule-notify.ts). */
export interface GroupingDefaults {
  groupBy: GroupField[];
  groupWaitS: number;
  groupIntervalS: number;
  repeatIntervalS: number;
}

export interface EsmsSettings {
  url: string;
  apiKey?: string;
  secretKey?: string;
  brandname?: string;
}

export interface ZaloSettings {
  /** ZNS: {apiUrl}/message/template */
  apiUrl: string;
  /** OA messages: {oaUrl}/v3.0/oa/message/cs */
  oaUrl: string;
  /** Tokens: {oauthUrl}/v4/oa/access_token */
  oauthUrl: string;
  appId?: string;
  secretKey?: string;
  /** The first refresh token; once used, the rotated ones live in channel_tokens. */
  refreshToken?: string;
  znsTemplateId?: string;
}

export interface DeliverySettings {
  /** How long a claimed row is a worker's before another may take it (the worker died mid-send). */
  leaseMs: number;
  /** Attempts before a row that keeps failing transiently is failed. */
  maxAttempts: number;
  /** Full-jitter exponential backoff: a wait drawn from [0, min(capMs, baseMs · 2^attempt)). */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Rows a worker claims at once. */
  batchSize: number;
  /** Delivery workers in this process, each claiming and sending its own batch while the others wait on providers. */
  workers: number;
  /** Messages per second each channel may send from this process (0 = unlimited). */
  ratePerS: Record<ChannelName, number>;
  /** How long one provider request may take before its outcome counts as unknown (retried with its key). */
  requestTimeoutMs: number;
}

export interface NotifyConfig {
  grouping: GroupingDefaults;
  esms: EsmsSettings;
  zalo: ZaloSettings;
  /** HMAC-SHA256 key of webhook signatures (IOC_WEBHOOK_SECRET); the webhook channel waits without it. */
  webhookSecret?: string;
  /**
   * Where providers post delivery receipts: `{publicUrl}/api/provider-callbacks/{esms|zalo}/{secret}`. Without both,
   * messages are sent without a callback and stay `sent`.
   */
  callback: { publicUrl?: string; secret?: string };
  delivery: DeliverySettings;
}

function groupBy(env: ConfigEnv): GroupField[] {
  const raw = readText(env, 'IOC_NOTIFY_GROUP_BY');
  if (raw === undefined) return ['areaId'];
  if (raw === 'none') return [];
  const fields = raw.split(',').map((f) => f.trim());
  const wrong = fields.find((f) => !(GROUP_FIELDS as readonly string[]).includes(f));
  if (wrong !== undefined) throw new ConfigError('IOC_NOTIFY_GROUP_BY', `must be "none" or a comma list of ${GROUP_FIELDS.join(', ')}; got "${wrong}"`);
  return [...new Set(fields)] as GroupField[];
}

function secret(env: ConfigEnv, name: string): string | undefined {
  const value = readText(env, name);
  if (value !== undefined && value.length < 16) throw new ConfigError(name, 'must be at least 16 characters');
  return value;
}

function atLeastOne(env: ConfigEnv, name: string, fallback: number): number {
  const value = readCount(env, name, fallback);
  if (value < 1) throw new ConfigError(name, 'must be at least 1');
  return value;
}

const HTTP = ['http:', 'https:'];

/** IOC_NOTIFY_CALLBACK_SECRET: the secret in the providers' receipt URLs; read by the alerting service and the dashboard. */
export function readCallbackSecret(env: ConfigEnv): string | undefined {
  return secret(env, 'IOC_NOTIFY_CALLBACK_SECRET');
}

/** The notification settings (alerting/README.md, "Notifications"; the root README's configuration table). */
export function loadNotifyConfig(env: ConfigEnv = process.env): NotifyConfig {
  const zaloRate = readCount(env, 'IOC_ZALO_RATE', 20);
  return {
    grouping: {
      groupBy: groupBy(env),
      groupWaitS: readCount(env, 'IOC_NOTIFY_GROUP_WAIT_S', 30),
      groupIntervalS: readCount(env, 'IOC_NOTIFY_GROUP_INTERVAL_S', 300),
      repeatIntervalS: readCount(env, 'IOC_NOTIFY_REPEAT_INTERVAL_S', 4 * 3600),
    },
    esms: {
      url: readUrl(env, 'IOC_ESMS_URL', HTTP) ?? 'https://rest.esms.vn',
      apiKey: readText(env, 'IOC_ESMS_API_KEY'),
      secretKey: readText(env, 'IOC_ESMS_SECRET_KEY'),
      brandname: readText(env, 'IOC_ESMS_BRANDNAME'),
    },
    zalo: {
      apiUrl: readUrl(env, 'IOC_ZALO_API_URL', HTTP) ?? 'https://business.openapi.zalo.me',
      oaUrl: readUrl(env, 'IOC_ZALO_OA_URL', HTTP) ?? 'https://openapi.zalo.me',
      oauthUrl: readUrl(env, 'IOC_ZALO_OAUTH_URL', HTTP) ?? 'https://oauth.zaloapp.com',
      appId: readText(env, 'IOC_ZALO_APP_ID'),
      secretKey: readText(env, 'IOC_ZALO_SECRET_KEY'),
      refreshToken: readText(env, 'IOC_ZALO_REFRESH_TOKEN'),
      znsTemplateId: readText(env, 'IOC_ZALO_ZNS_TEMPLATE_ID'),
    },
    webhookSecret: secret(env, 'IOC_WEBHOOK_SECRET'),
    callback: { publicUrl: readUrl(env, 'IOC_PUBLIC_URL', HTTP)?.replace(/\/+$/, ''), secret: readCallbackSecret(env) },
    delivery: {
      leaseMs: atLeastOne(env, 'IOC_NOTIFY_LEASE_S', 60) * 1000,
      maxAttempts: atLeastOne(env, 'IOC_NOTIFY_MAX_ATTEMPTS', 12),
      backoffBaseMs: 1000,
      backoffCapMs: 10 * 60_000,
      batchSize: 50,
      workers: atLeastOne(env, 'IOC_NOTIFY_WORKERS', 4),
      ratePerS: { sms: readCount(env, 'IOC_ESMS_RATE', 20), zns: zaloRate, zalo_oa: zaloRate, webhook: readCount(env, 'IOC_WEBHOOK_RATE', 50) },
      requestTimeoutMs: 15_000,
    },
  };
}
