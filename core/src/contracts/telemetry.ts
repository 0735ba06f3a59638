/**
 * Device telemetry on `ioc/v1/devices/{id}/telemetry` (browser-safe): the native JSON object or a SenML (RFC 8428)
 * pack. This is the wire contract; ingest's decoder (telemetry-payload.ts, a hot path written by hand) applies it
 * and adds what a schema cannot say: the kind's metrics and their ranges, units, and the accepted time window. The
 * fuzzer (bench/fuzz/decoders.ts) checks that everything the decoder accepts matches this contract.
 */
import { Type, type Static } from 'typebox';
import { EpochMs } from './common.ts';

/** A metric name of the catalogue (snake_case). */
const MetricName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });

/** `{"ts"?: epoch ms, "metrics": {"pm25": 35.2, …}}`; without `ts` the reading is as of its receipt. */
export const NativeTelemetry = Type.Object(
  { ts: Type.Optional(EpochMs), metrics: Type.Record(MetricName, Type.Number(), { minProperties: 1 }) },
  { additionalProperties: false },
);
export type NativeTelemetry = Static<typeof NativeTelemetry>;

/**
 * One SenML record (RFC 8428 §4): base fields apply to it and the records after it; a value is `v` (number) or `vb`
 * (boolean, as 1/0). String and data values and sums are refused by the decoder, as are fields ending in `_`
 * (must-understand extensions); other unknown fields are ignored.
 */
export const SenmlRecord = Type.Object({
  bn: Type.Optional(Type.String()),
  bt: Type.Optional(Type.Number()),
  bu: Type.Optional(Type.String()),
  bv: Type.Optional(Type.Number()),
  bver: Type.Optional(Type.Number()),
  n: Type.Optional(Type.String()),
  u: Type.Optional(Type.String()),
  v: Type.Optional(Type.Number()),
  vb: Type.Optional(Type.Boolean()),
  t: Type.Optional(Type.Number()),
  ut: Type.Optional(Type.Number()),
});
export type SenmlRecord = Static<typeof SenmlRecord>;

export const SenmlPack = Type.Array(SenmlRecord, { minItems: 1 });

/** What a device may publish as telemetry. */
export const TelemetryPayload = Type.Union([NativeTelemetry, SenmlPack]);
export type TelemetryPayload = Static<typeof TelemetryPayload>;
