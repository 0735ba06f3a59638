import type { DeliveryReceipt } from '../receipts.ts';
import type { ZaloSettings } from '../config.ts';
import type { Channel } from './channel.ts';
import { postToZalo, zaloMissing } from './zalo-api.ts';
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

/** ZNS wants 84… without the plus. */
export const znsPhone = (e164: string) => e164.replace(/^\+/, '');

/** Zalo Notification Service template messages to a phone number (POST {apiUrl}/message/template). */
export function createZnsChannel(settings: ZaloSettings, tokens: ZaloTokens, options: { timeoutMs: number; hasStoredToken: () => boolean }): Channel {
  return {
    name: 'zns',
    missing: () => zaloMissing('zns', settings, options.hasStoredToken(), { IOC_ZALO_ZNS_TEMPLATE_ID: settings.znsTemplateId }),
    send: (item) =>
      postToZalo(
        `${settings.apiUrl}/message/template`,
        { phone: znsPhone(item.message.to), template_id: settings.znsTemplateId, template_data: item.message.templateData, tracking_id: item.idempotencyKey },
        { what: 'ZNS', permanent: PERMANENT, tokenInvalid: ZNS_TOKEN_INVALID },
        tokens,
        options.timeoutMs,
      ),
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
