// Zalo as its documentation describes it, in one local server: the OAuth v4 token endpoint (form app_id,
// grant_type=refresh_token, refresh_token; header secret_key; each refresh token works once and the answer carries the
// next one), ZNS (POST /message/template, header access_token, {"phone": "84…", "template_id", "template_data",
// "tracking_id"}; "error" 0 or negative: -108 bad phone, -109 bad template, -124 invalid access token), the OA API
// (POST /v3.0/oa/message/cs; -216 invalid access token, -213 not a follower) and the webhook event
// user_received_message it posts when a message reached the phone.
import { randomUUID } from 'node:crypto';
import { script, startProviderServer, type ProviderAnswer, type ProviderServer } from './http-provider.ts';

export interface ZaloMessage {
  api: 'zns' | 'oa';
  msgId: string;
  to: string;
  trackingId?: string;
  templateId?: string;
  templateData?: Record<string, string>;
  text?: string;
}

export type ZaloTrouble = { error: number } | { http: number } | 'accept-then-drop' | 'drop';

export interface FakeZalo extends ProviderServer {
  messages: ZaloMessage[];
  requests: number;
  /** Refreshes answered, and the refresh token that works now. */
  refreshes: number;
  currentRefreshToken: string;
  trouble: ReturnType<typeof script<ZaloTrouble>>;
  /** Revokes every access token issued so far (as an expiry on Zalo's side would). */
  revokeAccessTokens(): void;
  /** Issues a new refresh token, as the Zalo console does, which ends the chain before it. */
  issueRefreshToken(): string;
  /** Posts the user_received_message event of a message to a webhook URL. */
  deliver(message: ZaloMessage, webhookUrl: string): Promise<number>;
}

export async function startFakeZalo(app: { appId: string; secretKey: string; refreshToken: string; templateId: string; followers: string[]; expiresInS?: number }): Promise<FakeZalo> {
  const messages: ZaloMessage[] = [];
  const byTrackingId = new Map<string, ZaloMessage>();
  const accessTokens = new Set<string>();
  const trouble = script<ZaloTrouble>();
  const state = { requests: 0, refreshes: 0, refreshToken: app.refreshToken };

  function planned(): ProviderAnswer | 'accept-then-drop' | undefined {
    const t = trouble.next();
    if (t === 'drop' || t === 'accept-then-drop' || t === undefined) return t;
    return 'http' in t ? { status: t.http, json: {} } : { status: 200, json: { error: t.error, message: `scripted ${t.error}` } };
  }

  const server = await startProviderServer((request): ProviderAnswer => {
    if (request.method === 'POST' && request.path === '/v4/oa/access_token') {
      const form = new URLSearchParams(request.body);
      if (request.headers.secret_key !== app.secretKey || form.get('app_id') !== app.appId) return { status: 200, json: { error: -14002, error_name: 'Invalid app id or secret key' } };
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== state.refreshToken) {
        return { status: 200, json: { error: -14014, error_name: 'Invalid refresh token', error_description: 'the refresh token is invalid or was used already' } };
      }
      state.refreshes++;
      state.refreshToken = `refresh-${randomUUID()}`;
      const accessToken = `access-${randomUUID()}`;
      accessTokens.add(accessToken);
      return { status: 200, json: { access_token: accessToken, refresh_token: state.refreshToken, expires_in: String(app.expiresInS ?? 90000) } };
    }
    const api = request.path === '/message/template' ? 'zns' : request.path === '/v3.0/oa/message/cs' ? 'oa' : undefined;
    if (request.method !== 'POST' || !api) return { status: 404, json: { error: -1, message: 'not found' } };
    state.requests++;
    const scripted = planned();
    if (scripted && scripted !== 'accept-then-drop') return scripted;
    if (!accessTokens.has(String(request.headers.access_token ?? ''))) return { status: 200, json: { error: api === 'zns' ? -124 : -216, message: 'Access token is invalid' } };
    const body = JSON.parse(request.body) as { phone?: string; template_id?: string; template_data?: Record<string, string>; tracking_id?: string; recipient?: { user_id?: string }; message?: { text?: string } };
    let message: ZaloMessage;
    if (api === 'zns') {
      if (!/^84[1-9]\d{8,9}$/.test(body.phone ?? '')) return { status: 200, json: { error: -108, message: 'Phone number invalid' } };
      if (body.template_id !== app.templateId) return { status: 200, json: { error: -109, message: 'Template ID invalid' } };
      const seen = body.tracking_id ? byTrackingId.get(body.tracking_id) : undefined;
      // The same tracking_id again is the same message: answered as before, sent once.
      if (seen) return { status: 200, json: { error: 0, message: 'Success', data: { msg_id: seen.msgId, sent_time: String(Date.now()) } } };
      message = { api, msgId: randomUUID().replace(/-/g, ''), to: body.phone as string, trackingId: body.tracking_id, templateId: body.template_id, templateData: body.template_data };
      if (message.trackingId) byTrackingId.set(message.trackingId, message);
    } else {
      const userId = body.recipient?.user_id ?? '';
      if (!app.followers.includes(userId)) return { status: 200, json: { error: -213, message: 'User has not followed OA' } };
      message = { api, msgId: randomUUID().replace(/-/g, ''), to: userId, text: body.message?.text };
    }
    messages.push(message);
    if (scripted === 'accept-then-drop') return 'drop';
    return { status: 200, json: { error: 0, message: 'Success', data: api === 'zns' ? { msg_id: message.msgId, sent_time: String(Date.now()) } : { message_id: message.msgId, user_id: message.to } } };
  });
  return {
    ...server,
    messages,
    get requests() {
      return state.requests;
    },
    get refreshes() {
      return state.refreshes;
    },
    get currentRefreshToken() {
      return state.refreshToken;
    },
    trouble,
    revokeAccessTokens: () => accessTokens.clear(),
    issueRefreshToken: () => (state.refreshToken = `issued-${randomUUID()}`),
    async deliver(message, webhookUrl) {
      const event = {
        app_id: app.appId,
        event_name: 'user_received_message',
        sender: { id: 'oa-1' },
        recipient: { id: message.to },
        message: { msg_id: message.msgId, tracking_id: message.trackingId, delivery_time: String(Date.now()) },
        timestamp: String(Date.now()),
      };
      return (await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })).status;
    },
  };
}
