import type { DeliveryReceipt } from '../receipts.ts';
import type { EsmsSettings } from '../config.ts';
import { httpFailure, requestJson, unknownOutcome, type Channel, type SendOutcome } from './channel.ts';

/**
 * eSMS CodeResult values (developers.esms.vn, "Table of error codes") that no retry can fix: the number or the
 * message is wrong. 124 ("Duplicate RequestId") means an earlier attempt with this RequestId was accepted: the
 * message is sent, once. Account problems (101 wrong keys, 102 no price list, 103 balance, 140 address not
 * whitelisted) and codes not listed here are retried: an operator can fix them and the message must not be lost.
 */
const PERMANENT: Record<string, string> = {
  '99': 'the phone number is blocked',
  '104': 'the brandname does not exist',
  '108': 'the phone number is not in a valid format',
  '118': 'unsupported message type',
  '146': 'the customer care template does not match',
  '177': 'the network is not registered for this brandname',
};
const ACCEPTED = '100';
const DUPLICATE_REQUEST_ID = '124';

interface EsmsReply {
  CodeResult?: string;
  SMSID?: string;
  ErrorMessage?: string;
}

/** eSMS wants the national form (0…) or 84…; we send 84… without the plus. */
export const esmsPhone = (e164: string) => e164.replace(/^\+/, '');

/** SMS brandname messages through eSMS (SendMultipleMessage_V4_post_json, SmsType 2: customer care). */
export function createEsmsChannel(settings: EsmsSettings, options: { callbackUrl?: string; timeoutMs: number }): Channel {
  return {
    name: 'sms',
    missing() {
      const unset = (['IOC_ESMS_API_KEY', 'IOC_ESMS_SECRET_KEY', 'IOC_ESMS_BRANDNAME'] as const).filter(
        (_, i) => ![settings.apiKey, settings.secretKey, settings.brandname][i],
      );
      return unset.length > 0 ? `the sms channel is not configured: set ${unset.join(', ')}` : undefined;
    },
    async send(item): Promise<SendOutcome> {
      const body = {
        ApiKey: settings.apiKey,
        SecretKey: settings.secretKey,
        Phone: esmsPhone(item.message.to),
        Content: item.message.text,
        Brandname: settings.brandname,
        SmsType: '2',
        // Vietnamese with diacritics needs Unicode SMS (70 characters a part instead of 160).
        IsUnicode: /[^\x00-\x7f]/.test(item.message.text) ? '1' : '0',
        RequestId: item.idempotencyKey,
        ...(options.callbackUrl ? { CallbackUrl: options.callbackUrl } : {}),
      };
      let reply;
      try {
        reply = await requestJson(`${settings.url}/MainService.svc/json/SendMultipleMessage_V4_post_json/`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, options.timeoutMs);
      } catch (error) {
        return unknownOutcome(error);
      }
      if (reply.status < 200 || reply.status > 299) return httpFailure(reply, 'eSMS');
      const answer = (reply.body ?? {}) as EsmsReply;
      const code = String(answer.CodeResult ?? '');
      if (code === ACCEPTED) return { status: 'sent', providerMessageId: answer.SMSID ?? null };
      if (code === DUPLICATE_REQUEST_ID) return { status: 'sent', providerMessageId: answer.SMSID ?? null };
      const error = `eSMS CodeResult ${code || '(none)'}: ${PERMANENT[code] ?? answer.ErrorMessage ?? 'not accepted'}`;
      return PERMANENT[code] ? { status: 'permanent', error } : { status: 'transient', error };
    },
  };
}

/**
 * The receipt in eSMS's delivery callback (an HTTP GET of the CallbackUrl): SendStatus 5 is final, delivered when
 * SendSuccess counts the message; 4 is a rejection; the others (1 pending approval, 2 waiting, 7 at the telco) are
 * not final and change nothing.
 */
export function esmsReceipt(query: Record<string, string | undefined>): DeliveryReceipt | undefined {
  const ids = { providerMessageId: query.SMSID || undefined, idempotencyKey: query.RequestId || undefined };
  if (query.SendStatus === '5') {
    const delivered = Number(query.SendSuccess ?? 0) > 0;
    return { channels: ['sms'], ...ids, delivered, error: delivered ? undefined : `eSMS: not delivered to the phone (SendFailed ${query.SendFailed ?? '?'})` };
  }
  if (query.SendStatus === '4') return { channels: ['sms'], ...ids, delivered: false, error: 'eSMS: rejected (SendStatus 4)' };
  return undefined;
}
