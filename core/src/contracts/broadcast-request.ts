/**
 * Emergency broadcast requests on `ioc/v1/broadcast/requests` (browser-safe): an alert rule may ask for a loudspeaker
 * broadcast to the communes its alert concerns. The alerting service publishes the request (QoS 1) when such an
 * alert fires; the radio service, when it exists, carries it out — at once when `automatic`, else after an
 * operator confirms it.
 */
import { Type, type Static } from 'typebox';
import { TOPIC_ROOT } from '../topics.ts';
import { AlertId, AlertSeverity } from './alert.ts';
import { EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

export const BROADCAST_REQUESTS_TOPIC = `${TOPIC_ROOT}/broadcast/requests`;

export const BroadcastRequest = Type.Object(
  {
    alertId: AlertId,
    ruleId: Type.String({ minLength: 1, maxLength: 64 }),
    severity: AlertSeverity,
    /** The communes to reach (the alert's own, or those the rule names). */
    areaIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 }),
    /** Played without an operator's confirmation. */
    automatic: Type.Boolean(),
    textVi: Type.String({ maxLength: 4096 }),
    textEn: Type.String({ maxLength: 4096 }),
    ts: EpochMs,
  },
  { additionalProperties: false },
);
export type BroadcastRequest = Static<typeof BroadcastRequest>;

export function decodeBroadcastRequest(payload: string): Decoded<BroadcastRequest> {
  return decodeJson(BroadcastRequest, payload);
}
