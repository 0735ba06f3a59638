// eSMS as developers.esms.vn documents it: SendMultipleMessage_V4_post_json with ApiKey, SecretKey, Phone, Content,
// Brandname, SmsType, IsUnicode, RequestId, CallbackUrl; CodeResult "100" accepted with an SMSID, "124" for a
// RequestId it has seen ("Duplicate RequestId"), 101 wrong keys, 104 unknown brandname, 108 a malformed number; and
// the delivery callback, an HTTP GET of the CallbackUrl with SMSID, SendStatus (5 sent), SendSuccess, SendFailed,
// RequestId, phonenumber.
import { randomUUID } from 'node:crypto';
import { script, startProviderServer, type ProviderAnswer, type ProviderServer } from './http-provider.ts';

export interface EsmsMessage {
  smsId: string;
  phone: string;
  content: string;
  requestId: string;
  isUnicode: string;
  callbackUrl?: string;
  /** When the provider accepted it (ms since the epoch): the end of `ioc bench alerting`'s latency. */
  acceptedAt: number;
}

/** Scripted answers: a CodeResult, an HTTP status, or a message accepted whose answer is lost (`accept-then-drop`). */
export type EsmsTrouble = { code: string } | { http: number } | 'accept-then-drop' | 'drop';

export interface FakeEsms extends ProviderServer {
  /** Messages accepted, once per RequestId: what phones would get. */
  messages: EsmsMessage[];
  /** Every request received, duplicates included. */
  requests: number;
  trouble: ReturnType<typeof script<EsmsTrouble>>;
  /** Sends the delivery receipt of a message to its CallbackUrl, as eSMS does. */
  deliver(message: EsmsMessage, delivered?: boolean): Promise<number>;
}

export async function startFakeEsms(account: { apiKey: string; secretKey: string; brandname: string }, latencyMs = 0): Promise<FakeEsms> {
  const messages: EsmsMessage[] = [];
  const byRequestId = new Map<string, EsmsMessage>();
  const trouble = script<EsmsTrouble>();
  let requests = 0;
  const server = await startProviderServer((request): ProviderAnswer => {
    if (request.method !== 'POST' || request.path !== '/MainService.svc/json/SendMultipleMessage_V4_post_json/') return { status: 404, json: { error: 'not found' } };
    requests++;
    const body = JSON.parse(request.body) as Record<string, string>;
    const planned = trouble.next();
    if (planned === 'drop') return 'drop';
    if (planned && typeof planned === 'object' && 'http' in planned) return { status: planned.http, json: { error: 'upstream' } };
    if (planned && typeof planned === 'object' && 'code' in planned) return { status: 200, json: { CodeResult: planned.code, ErrorMessage: `scripted ${planned.code}` } };
    if (body.ApiKey !== account.apiKey || body.SecretKey !== account.secretKey) return { status: 200, json: { CodeResult: '101', ErrorMessage: 'Authorize Failed' } };
    if (body.Brandname !== account.brandname) return { status: 200, json: { CodeResult: '104', ErrorMessage: 'Brandname not found' } };
    if (!/^(84|0)[1-9]\d{8,9}$/.test(body.Phone ?? '')) return { status: 200, json: { CodeResult: '108', ErrorMessage: 'Phone not valid' } };
    if (body.SmsType !== '2' || !body.Content) return { status: 200, json: { CodeResult: '118', ErrorMessage: 'type not supported' } };
    const seen = body.RequestId ? byRequestId.get(body.RequestId) : undefined;
    if (seen) return { status: 200, json: { CodeResult: '124', ErrorMessage: 'Duplicate RequestId' } };
    const message: EsmsMessage = { smsId: randomUUID(), phone: body.Phone as string, content: body.Content as string, requestId: body.RequestId ?? '', isUnicode: body.IsUnicode ?? '0', callbackUrl: body.CallbackUrl, acceptedAt: Date.now() };
    messages.push(message);
    if (message.requestId) byRequestId.set(message.requestId, message);
    if (planned === 'accept-then-drop') return 'drop';
    return { status: 200, json: { CodeResult: '100', CountRegenerate: 0, SMSID: message.smsId } };
  }, latencyMs);
  return {
    ...server,
    messages,
    get requests() {
      return requests;
    },
    trouble,
    async deliver(message, delivered = true) {
      const query = new URLSearchParams({
        SMSID: message.smsId,
        SendFailed: delivered ? '0' : '1',
        SendStatus: '5',
        SendSuccess: delivered ? '1' : '0',
        TotalPrice: '0',
        TotalReceiver: '1',
        TotalSent: '1',
        RequestId: message.requestId,
        TypeId: '2',
        telcoid: '1',
        phonenumber: message.phone,
      });
      return (await fetch(`${message.callbackUrl}?${query}`)).status;
    },
  };
}
