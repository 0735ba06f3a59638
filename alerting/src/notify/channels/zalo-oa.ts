import type { ZaloSettings } from '../config.ts';
import type { Channel } from './channel.ts';
import { postToZalo, zaloMissing } from './zalo-api.ts';
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
    missing: () => zaloMissing('zalo_oa', settings, options.hasStoredToken()),
    send: (item) =>
      postToZalo(
        `${settings.oaUrl}/v3.0/oa/message/cs`,
        { recipient: { user_id: item.message.to }, message: { text: item.message.text } },
        { what: 'Zalo OA', permanent: PERMANENT, tokenInvalid: OA_TOKEN_INVALID },
        tokens,
        options.timeoutMs,
      ),
  };
}
