import type { DeliveryReceipt } from '../receipts.ts';
import type { ZaloSettings } from '../config.ts';
import { httpFailure, requestJson, unknownOutcome, type Channel, type SendOutcome } from './channel.ts';
import type { ZaloTokens } from './zalo-token.ts';

/**
 * ZNS error codes (zalo.cloud/zns/guidelines/handle-error-code) that no retry fixes: the number, the template or
 * the user. The others (-100 unknown error, -115 out of quota, the application's own errors) are retried; -124
 * (access token invalid) refreshes the token first.
 */
const PERMANENT: Record<number, string> = {
  [-108]: 'the phone number is invalid',
  [-109]: 'the template id is invalid',
  [-111]: 'the template data is empty',
  [-112]: 'the template data is invalid',
  [-114]: 'the user is inactive or refuses ZNS',
  [-118]: 'no Zalo account for this number',
  [-119]: 'this account cannot receive ZNS',
};
export const ZNS_TOKEN_INVALID = -124;

interface ZaloReply {
  error?: number;
  message?: string;
  data?: { msg_id?: string; message_id?: string };
}

/** ZNS wants 84… without the plus. */
export const znsPhone = (e164: string) => e164.replace(/^\+/, '');

/** Maps a Zalo answer (ZNS or OA: both `{"error", "message", "data"}`) to an outcome. */
export async function zaloOutcome(reply: { status: number; body: unknown }, what: string, permanent: Record<number, string>, tokenInvalid: number, token: string, tokens: ZaloTokens): Promise<SendOutcome> {
  if (reply.status < 200 || reply.status > 299) return httpFailure(reply, what);
  const answer = (reply.body ?? {}) as ZaloReply;
  if (answer.error === 0) return { status: 'sent', providerMessageId: answer.data?.msg_id ?? answer.data?.message_id ?? null };
  if (answer.error === tokenInvalid) await tokens.invalidate(token);
  const error = `${what} error ${answer.error ?? '(none)'}: ${permanent[answer.error ?? 0] ?? answer.message ?? 'not accepted'}`;
  return answer.error !== undefined && permanent[answer.error] ? { status: 'permanent', error } : { status: 'transient', error };
}

/** Zalo Notification Service template messages to a phone number (POST {apiUrl}/message/template). */
export function createZnsChannel(settings: ZaloSettings, tokens: ZaloTokens, options: { timeoutMs: number; hasStoredToken: () => boolean }): Channel {
  return {
    name: 'zns',
    missing() {
      const unset = [
        ...(settings.appId ? [] : ['IOC_ZALO_APP_ID']),
        ...(settings.secretKey ? [] : ['IOC_ZALO_SECRET_KEY']),
        ...(settings.refreshToken || options.hasStoredToken() ? [] : ['IOC_ZALO_REFRESH_TOKEN']),
        ...(settings.znsTemplateId ? [] : ['IOC_ZALO_ZNS_TEMPLATE_ID']),
      ];
      return unset.length > 0 ? `the zns channel is not configured: set ${unset.join(', ')}` : undefined;
    },
    async send(item): Promise<SendOutcome> {
      let token: string;
      try {
        token = await tokens.accessToken();
      } catch (error) {
        return { status: 'transient', error: (error as Error).message };
      }
      const body = { phone: znsPhone(item.message.to), template_id: settings.znsTemplateId, template_data: item.message.templateData, tracking_id: item.idempotencyKey };
      try {
        const reply = await requestJson(`${settings.apiUrl}/message/template`, { headers: { 'content-type': 'application/json', access_token: token }, body: JSON.stringify(body) }, options.timeoutMs);
        return await zaloOutcome(reply, 'ZNS', PERMANENT, ZNS_TOKEN_INVALID, token, tokens);
      } catch (error) {
        return unknownOutcome(error);
      }
    },
  };
}

/**
 * The receipt in a Zalo webhook event: `user_received_message` names the message (msg_id, and for ZNS our
 * tracking_id) that reached the user's phone. Other events change nothing.
 */
export function zaloReceipt(event: { event_name?: unknown; message?: { msg_id?: unknown; tracking_id?: unknown } }): DeliveryReceipt | undefined {
  if (event.event_name !== 'user_received_message') return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const receipt = { providerMessageId: text(event.message?.msg_id), idempotencyKey: text(event.message?.tracking_id) };
  return receipt.providerMessageId || receipt.idempotencyKey ? { channels: ['zns', 'zalo_oa'], ...receipt, delivered: true } : undefined;
}
