import type { ZaloSettings } from '../config.ts';
import { requestJson, unknownOutcome, type Channel, type SendOutcome } from './channel.ts';
import { zaloOutcome } from './zalo-zns.ts';
import type { ZaloTokens } from './zalo-token.ts';

/** OA API errors that no retry fixes; -216 (access token invalid) refreshes the token, the rest are retried. */
const PERMANENT: Record<number, string> = {
  [-201]: 'a parameter is invalid',
  [-204]: 'the message is invalid',
  [-207]: 'the user id is invalid',
  [-213]: 'the user does not follow the Official Account',
};
const OA_TOKEN_INVALID = -216;

/**
 * Customer-service messages to a follower of the Official Account (POST {oaUrl}/v3.0/oa/message/cs). The OA API
 * takes no idempotency key: an attempt whose answer is lost may reach the follower twice (alerting/README.md).
 */
export function createZaloOaChannel(settings: ZaloSettings, tokens: ZaloTokens, options: { timeoutMs: number; hasStoredToken: () => boolean }): Channel {
  return {
    name: 'zalo_oa',
    missing() {
      const unset = [
        ...(settings.appId ? [] : ['IOC_ZALO_APP_ID']),
        ...(settings.secretKey ? [] : ['IOC_ZALO_SECRET_KEY']),
        ...(settings.refreshToken || options.hasStoredToken() ? [] : ['IOC_ZALO_REFRESH_TOKEN']),
      ];
      return unset.length > 0 ? `the zalo_oa channel is not configured: set ${unset.join(', ')}` : undefined;
    },
    async send(item): Promise<SendOutcome> {
      let token: string;
      try {
        token = await tokens.accessToken();
      } catch (error) {
        return { status: 'transient', error: (error as Error).message };
      }
      const body = { recipient: { user_id: item.message.to }, message: { text: item.message.text } };
      try {
        const reply = await requestJson(`${settings.oaUrl}/v3.0/oa/message/cs`, { headers: { 'content-type': 'application/json', access_token: token }, body: JSON.stringify(body) }, options.timeoutMs);
        return await zaloOutcome(reply, 'Zalo OA', PERMANENT, OA_TOKEN_INVALID, token, tokens);
      } catch (error) {
        return unknownOutcome(error);
      }
    },
  };
}
