import type { Clock, Db, Logger } from '@ioc/core';
import type { ZaloSettings } from '../config.ts';
import { requestJson } from './channel.ts';

/** Refresh this long before the access token expires, so no send meets an expired one. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const ROW = 'zalo';

interface TokenRow {
  access_token: string | null;
  access_expires_at: Date | null;
  refresh_token: string;
  seeded_from: string | null;
}

interface OAuthReply {
  access_token?: string;
  refresh_token?: string;
  expires_in?: string | number;
  error?: number;
  error_name?: string;
  error_description?: string;
}

export interface ZaloTokens {
  /** A valid access token, refreshed first when it is missing or about to expire. */
  accessToken(): Promise<string>;
  /** The provider refused the token (ZNS -124, OA -216): the next call refreshes. */
  invalidate(token: string): Promise<void>;
}

/**
 * Zalo OA access tokens (POST {oauthUrl}/v4/oa/access_token, form app_id, grant_type=refresh_token, refresh_token;
 * header secret_key). Each refresh returns a new refresh token and spends the old one, so the new one is stored in
 * `channel_tokens` in the same transaction that read the old one (locked FOR UPDATE: two processes never spend one
 * token twice), and a restart goes on with it. IOC_ZALO_REFRESH_TOKEN is only the first one, until an operator
 * configures a different one (after the chain was lost): that one then starts a new chain.
 */
export function createZaloTokens(settings: ZaloSettings, deps: { db: Db; clock: Clock; logger: Logger; timeoutMs: number }): ZaloTokens {
  const { db, clock } = deps;
  let cached: { token: string; expiresAt: number } | undefined;
  const fresh = (token: string | null, expiresAt: Date | null): token is string => token !== null && expiresAt !== null && expiresAt.getTime() - REFRESH_MARGIN_MS > clock.now();

  async function refresh(): Promise<string> {
    return db.transaction(async (tx) => {
      await tx.query(`INSERT INTO channel_tokens (channel, refresh_token, seeded_from, updated_at) VALUES ($1, $2, $2, $3) ON CONFLICT (channel) DO NOTHING`, [
        ROW,
        settings.refreshToken ?? '',
        new Date(clock.now()).toISOString(),
      ]);
      const row = (await tx.query<TokenRow>('SELECT access_token, access_expires_at, refresh_token, seeded_from FROM channel_tokens WHERE channel = $1 FOR UPDATE', [ROW])).rows[0] as TokenRow;
      if (settings.refreshToken && settings.refreshToken !== row.seeded_from) {
        // A refresh token configured since the chain began is an operator's new one (the old chain lost or revoked).
        deps.logger.warn('a new IOC_ZALO_REFRESH_TOKEN is configured: it replaces the stored Zalo refresh token');
        Object.assign(row, { refresh_token: settings.refreshToken, seeded_from: settings.refreshToken, access_token: null, access_expires_at: null });
        await tx.query('UPDATE channel_tokens SET refresh_token = $2, seeded_from = $2, access_token = NULL, access_expires_at = NULL WHERE channel = $1', [ROW, settings.refreshToken]);
      }
      // Another process may have refreshed while we waited for the lock.
      if (fresh(row.access_token, row.access_expires_at)) {
        cached = { token: row.access_token, expiresAt: (row.access_expires_at as Date).getTime() };
        return row.access_token;
      }
      if (!row.refresh_token) throw new Error('no Zalo refresh token: set IOC_ZALO_REFRESH_TOKEN');
      const form = new URLSearchParams({ app_id: settings.appId ?? '', grant_type: 'refresh_token', refresh_token: row.refresh_token });
      const reply = await requestJson(
        `${settings.oauthUrl}/v4/oa/access_token`,
        { headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: settings.secretKey ?? '' }, body: form.toString() },
        deps.timeoutMs,
      );
      const answer = (reply.body ?? {}) as OAuthReply;
      if (reply.status !== 200 || !answer.access_token || !answer.refresh_token) {
        throw new Error(`Zalo refused to refresh the access token: HTTP ${reply.status} ${answer.error ?? ''} ${answer.error_name ?? ''} ${answer.error_description ?? ''}`.trim());
      }
      const expiresAt = clock.now() + Number(answer.expires_in ?? 0) * 1000;
      await tx.query('UPDATE channel_tokens SET access_token = $2, access_expires_at = $3, refresh_token = $4, updated_at = $5 WHERE channel = $1', [
        ROW,
        answer.access_token,
        new Date(expiresAt).toISOString(),
        answer.refresh_token,
        new Date(clock.now()).toISOString(),
      ]);
      deps.logger.info({ expiresAt: new Date(expiresAt).toISOString() }, 'Zalo access token refreshed; the new refresh token is stored');
      cached = { token: answer.access_token, expiresAt };
      return answer.access_token;
    });
  }

  let refreshing: Promise<string> | undefined;
  return {
    async accessToken() {
      if (cached && cached.expiresAt - REFRESH_MARGIN_MS > clock.now()) return cached.token;
      const row = (await db.query<TokenRow>('SELECT access_token, access_expires_at, refresh_token, seeded_from FROM channel_tokens WHERE channel = $1', [ROW])).rows[0];
      if (row && fresh(row.access_token, row.access_expires_at) && (!settings.refreshToken || settings.refreshToken === row.seeded_from)) {
        cached = { token: row.access_token, expiresAt: (row.access_expires_at as Date).getTime() };
        return row.access_token;
      }
      // One refresh at a time in this process; the row lock covers the others.
      refreshing ??= refresh().finally(() => (refreshing = undefined));
      return refreshing;
    },
    async invalidate(token) {
      if (cached?.token === token) cached = undefined;
      await db.query('UPDATE channel_tokens SET access_expires_at = NULL WHERE channel = $1 AND access_token = $2', [ROW, token]);
    },
  };
}
