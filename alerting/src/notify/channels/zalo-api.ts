import type { ZaloSettings } from '../config.ts';
import { httpFailure, requestJson, unknownOutcome, type SendOutcome } from './channel.ts';
import type { ZaloTokens } from './zalo-token.ts';

/** What the ZNS and OA channels share: the app's credentials, its access token, and Zalo's answer. */

interface ZaloReply {
  error?: number;
  message?: string;
  data?: { msg_id?: string; message_id?: string };
}

/** Why a Zalo channel cannot send: the app's credentials (or a stored refresh token) and `own` settings unset. */
export function zaloMissing(channel: string, settings: ZaloSettings, hasStoredToken: boolean, own: Record<string, string | undefined> = {}): string | undefined {
  const unset = [
    ...(settings.appId ? [] : ['IOC_ZALO_APP_ID']),
    ...(settings.secretKey ? [] : ['IOC_ZALO_SECRET_KEY']),
    ...(settings.refreshToken || hasStoredToken ? [] : ['IOC_ZALO_REFRESH_TOKEN']),
    ...Object.entries(own).flatMap(([variable, value]) => (value ? [] : [variable])),
  ];
  return unset.length > 0 ? `the ${channel} channel is not configured: set ${unset.join(', ')}` : undefined;
}

/** Maps a Zalo answer (ZNS or OA: both `{"error", "message", "data"}`) to an outcome; `tokenInvalid` drops the token. */
async function zaloOutcome(reply: { status: number; body: unknown }, what: string, permanent: Record<number, string>, tokenInvalid: number, token: string, tokens: ZaloTokens): Promise<SendOutcome> {
  if (reply.status < 200 || reply.status > 299) return httpFailure(reply, what);
  const answer = (reply.body ?? {}) as ZaloReply;
  if (answer.error === 0) return { status: 'sent', providerMessageId: answer.data?.msg_id ?? answer.data?.message_id ?? null };
  if (answer.error === tokenInvalid) await tokens.invalidate(token);
  const error = `${what} error ${answer.error ?? '(none)'}: ${permanent[answer.error ?? 0] ?? answer.message ?? 'not accepted'}`;
  return answer.error !== undefined && permanent[answer.error] ? { status: 'permanent', error } : { status: 'transient', error };
}

/** Posts `body` to a Zalo API with the current access token and maps the answer (`what` names it in errors). */
export async function postToZalo(
  url: string,
  body: unknown,
  api: { what: string; permanent: Record<number, string>; tokenInvalid: number },
  tokens: ZaloTokens,
  timeoutMs: number,
): Promise<SendOutcome> {
  let token: string;
  try {
    token = await tokens.accessToken();
  } catch (error) {
    return { status: 'transient', error: (error as Error).message };
  }
  try {
    const reply = await requestJson(url, { headers: { 'content-type': 'application/json', access_token: token }, body: JSON.stringify(body) }, timeoutMs);
    return await zaloOutcome(reply, api.what, api.permanent, api.tokenInvalid, token, tokens);
  } catch (error) {
    return unknownOutcome(error);
  }
}
