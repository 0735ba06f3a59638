// Property-based fuzzing of every decoder that reads a message from the bus: whatever the bytes, a decoder returns
// a result (never throws), a refusal carries a reason, and what it accepts is safe to store and to format.
// Run briefly by test/fuzz.test.ts in `npm test`, and at length by `npx ioc bench fuzz`.
import fc from 'fast-check';
import {
  DEVICE_KIND_NAMES,
  DEVICE_KINDS,
  MAX_FUTURE_MS,
  MAX_PAST_MS,
  decode,
  decodeAlert,
  decodeAlertRuleChange,
  decodeAnomalyEvent,
  decodeBroadcastRequest,
  decodeBusDeadLetter,
  decodeComputedTelemetry,
  decodeDerivedTelemetry,
  decodeDeviceEvent,
  decodeDeviceStatus,
  decodeJson,
  decodeRegistryMessage,
  DeviceAck,
  DeviceCommand,
  ServiceHealth,
  decodeTelemetry,
  isEpochMs,
  parseCredentialChange,
  TelemetryPayload,
  type DeviceKind,
} from '@ioc/core';
import { parseFrigateEvent, parseFrigateReview, parseFrigateStatus } from '@ioc/analytics';

export interface FuzzTarget {
  name: string;
  /** The property over one input; it throws (or returns false) on a violation. */
  property: fc.IProperty<[string | Uint8Array]>;
}

export interface FuzzOutcome {
  target: string;
  cases: number;
  failures: number;
  /** The first counterexample and its error, when one was found. */
  counterexample?: string;
  error?: string;
}

const NOW = Date.UTC(2026, 0, 15, 3, 0, 0);

/** Numbers that have broken decoders before, or could: overflow, Date's limits, seconds for milliseconds. */
const nastyNumber = fc.oneof(
  fc.constantFrom(1e300, -1e300, 1e308, -1e308, 8.64e15, 8.64e15 + 1, -8.64e15 - 1, 2 ** 53, 2 ** 28, NOW, NOW / 1000, 0, -0, 0.5),
  fc.double(),
  fc.integer(),
  fc.integer({ min: NOW - 2 * MAX_PAST_MS, max: NOW + 2 * MAX_FUTURE_MS }),
);
/** A number as JSON text: `1e999` parses as Infinity, which JSON.stringify can never write. */
const numberText = fc.oneof(
  nastyNumber.map((n) => (Number.isFinite(n) ? String(n) : '0')),
  fc.constantFrom('1e999', '-1e999', '1e-999', '123456789012345678901234567890'),
);
const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null');
const jsonText = fc.oneof(numberText, anyJson, fc.string().map((s) => JSON.stringify(s)));
const metricName = fc.oneof(
  fc.constantFrom(...new Set(DEVICE_KIND_NAMES.flatMap((kind) => Object.keys(DEVICE_KINDS[kind].metrics)))),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ maxLength: 12 }),
);
const key = (name: string) => JSON.stringify(name);

/** `{"ts"?, "metrics": {…}}` with hostile times, values and names. */
const nativeTelemetry = fc
  .record({
    ts: fc.option(numberText, { nil: undefined }),
    metrics: fc.array(fc.tuple(metricName, jsonText), { maxLength: 8 }),
    extra: fc.option(fc.tuple(fc.string({ maxLength: 6 }), jsonText), { nil: undefined }),
  })
  .map(({ ts, metrics, extra }) => {
    const fields = [
      ...(ts === undefined ? [] : [`"ts":${ts}`]),
      `"metrics":{${metrics.map(([name, value]) => `${key(name)}:${value}`).join(',')}}`,
      ...(extra ? [`${key(extra[0])}:${extra[1]}`] : []),
    ];
    return `{${fields.join(',')}}`;
  });

const SENML_FIELDS = ['bn', 'bt', 'bu', 'bv', 'bver', 'n', 'u', 'v', 'vs', 'vb', 'vd', 's', 't', 'ut', 'x_'] as const;
const senmlValue = fc.oneof(numberText, fc.constantFrom('"pm25"', '"air-1/"', '"ug/m3"', '"Cel"', '"K"', 'true', 'false', 'null'), jsonText);
/** SenML packs (RFC 8428) whose records mix every field with hostile values. */
const senmlTelemetry = fc
  .array(fc.array(fc.tuple(fc.constantFrom(...SENML_FIELDS), senmlValue), { maxLength: 6 }), { maxLength: 6 })
  .map((records) => `[${records.map((fields) => `{${fields.map(([name, value]) => `${key(name)}:${value}`).join(',')}}`).join(',')}]`);

/** Plausible SenML records (a known metric, a value in range) whose times are hostile: the times reach the clock checks. */
const senmlTimes = fc
  .array(
    fc.record({
      n: fc.constantFrom('pm25', 'rh', 'no2'),
      v: fc.integer({ min: 0, max: 100 }),
      bt: fc.option(numberText, { nil: undefined }),
      t: fc.option(numberText, { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((records) => `[${records.map(({ n, v, bt, t }) => `{"n":"${n}","v":${v}${bt === undefined ? '' : `,"bt":${bt}`}${t === undefined ? '' : `,"t":${t}`}}`).join(',')}]`);

/** A valid message with a few bytes changed, dropped or repeated. */
function mutated(valid: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 3 }), fc.nat(4)), { minLength: 1, maxLength: 4 }))
    .map(([text, edits]) =>
      edits.reduce((s, [at, insert, drop]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + insert + s.slice(i + drop);
      }, text),
    );
}

const bytes = fc.uint8Array({ maxLength: 256 });
const inputs = (...text: fc.Arbitrary<string>[]) => fc.oneof(...text, jsonText, bytes);
const asBuffer = (input: string | Uint8Array) => (typeof input === 'string' ? Buffer.from(input) : Buffer.from(input));
const asText = (input: string | Uint8Array) => asBuffer(input).toString('utf8');

function refusalHasReason(result: { ok: boolean; reason?: string }): void {
  if (!result.ok && !(typeof result.reason === 'string' && result.reason.length > 0)) throw new Error('refused without a reason');
}

function telemetryTarget(name: string, kind: DeviceKind, text: fc.Arbitrary<string>): FuzzTarget {
  return {
    name,
    property: fc.property(inputs(text), (input) => {
      const result = decodeTelemetry('dev-1', kind, asBuffer(input), NOW);
      refusalHasReason(result);
      if (!result.ok) return;
      if (!isEpochMs(result.ts)) throw new Error(`accepted ts ${result.ts}`);
      for (const point of result.points) {
        if (!Number.isFinite(point.value)) throw new Error(`accepted value ${point.value}`);
        if (point.ts > NOW + MAX_FUTURE_MS || point.ts < NOW - MAX_PAST_MS) throw new Error(`accepted time ${point.ts}`);
        new Date(point.ts).toISOString();
      }
      // The hand-written hot path never accepts what the wire contract (contracts/telemetry.ts) refuses.
      const contract = decode(TelemetryPayload, JSON.parse(asText(input)));
      if (!contract.ok) throw new Error(`accepted a payload the contract refuses: ${contract.reason}`);
    }),
  };
}

const VALID_ANOMALY = JSON.stringify({ deviceId: 'air-1', kind: 'air', metric: 'pm25', model: 'm', score: 1, threshold: 0.5, label: 'episode', state: 'raised', ts: NOW });
const VALID_FRIGATE = JSON.stringify({ type: 'new', after: { id: 'e1', camera: 'cam-1', label: 'person', start_time: NOW / 1000, data: {}, severity: 'alert' } });

/** A decoder of the contract module (contracts/): it refuses with a reason, and what it accepts has a time a Date holds. */
function contractTarget(name: string, valid: string[], decodeText: (text: string) => { ok: boolean; reason?: string; value?: unknown }): FuzzTarget {
  return {
    name,
    property: fc.property(inputs(mutated(valid)), (input) => {
      const result = decodeText(asText(input));
      refusalHasReason(result);
      for (const field of ['ts', 'expires', 'createdAt', 'updatedAt']) {
        const value = (result.value as Record<string, unknown> | null | undefined)?.[field];
        if (result.ok && value !== undefined) new Date(value as number).toISOString();
      }
    }),
  };
}

const VALID_ALERT = {
  id: 'a-1', ruleId: 'r-1', fingerprint: 'r-1:device:air-1', deviceId: 'air-1', areaId: '19753', kind: 'air', metric: 'pm25', value: 72, unit: 'µg/m³',
  severity: 'major', state: 'firing', titleVi: 'Bụi PM2.5 vượt ngưỡng', titleEn: 'pm25 above threshold', textVi: '72 µg/m³', textEn: '72 µg/m³', startsAt: NOW,
  acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, assignee: null, updatedAt: NOW,
};
const VALID_RECORD = JSON.stringify({ id: 'air-1', kind: 'air', areaId: null, lat: 16.4, lon: 107.5, attributes: { pole: 'P-1' }, enabled: true, revokedAt: null, createdAt: NOW, updatedAt: NOW });

/** Every decoder of a bus message, each with inputs shaped for it. */
export const FUZZ_TARGETS: FuzzTarget[] = [
  ...DEVICE_KIND_NAMES.map((kind) => telemetryTarget(`telemetry.native.${kind}`, kind, nativeTelemetry)),
  telemetryTarget('telemetry.senml', 'air', senmlTelemetry),
  telemetryTarget('telemetry.senml-times', 'air', senmlTimes),
  telemetryTarget('telemetry.mutated', 'water', mutated(['{"ts":1768446000000,"metrics":{"level_cm":12,"rain_mm":0}}', '[{"bn":"w/","bt":1768446000,"n":"level_cm","v":12}]'])),
  {
    name: 'anomaly',
    property: fc.property(inputs(mutated([VALID_ANOMALY])), (input) => {
      const result = decodeAnomalyEvent(asBuffer(input));
      refusalHasReason(result);
      if (result.ok) new Date(result.event.ts).toISOString();
    }),
  },
  contractTarget('command', [JSON.stringify({ id: 'c-1', type: 'volume', args: { level: 5 }, expires: NOW })], (text) => decodeJson(DeviceCommand, text)),
  contractTarget('ack', ['{"id":"c-1","status":"error","detail":"busy"}'], (text) => decodeJson(DeviceAck, text)),
  contractTarget('status', [JSON.stringify({ online: true, ts: NOW })], decodeDeviceStatus),
  contractTarget('event', [JSON.stringify({ ts: NOW, type: 'playback.started', commandId: 'c-1' })], decodeDeviceEvent),
  contractTarget('registry', [VALID_RECORD, ''], (text) => decodeRegistryMessage('air-1', text)),
  contractTarget('service-health', [JSON.stringify({ status: 'ok', ts: NOW, received: 3 })], (text) => decodeJson(ServiceHealth, text)),
  contractTarget('derived', [JSON.stringify({ ts: NOW, metrics: { pm25_anomaly: 0.5 } })], decodeDerivedTelemetry),
  contractTarget('computed', [JSON.stringify({ ts: NOW, metrics: { vn_aqi_h: 87 } })], decodeComputedTelemetry),
  contractTarget('alert', [JSON.stringify(VALID_ALERT)], decodeAlert),
  contractTarget('alert-rule-change', [JSON.stringify({ ruleId: 'r-1', change: 'updated', ts: NOW })], decodeAlertRuleChange),
  contractTarget('broadcast-request', [JSON.stringify({ alertId: 'a-1', ruleId: 'r-1', severity: 'critical', areaIds: ['19753'], automatic: false, textVi: 'Lũ', textEn: 'Flood', ts: NOW })], decodeBroadcastRequest),
  contractTarget('dead-letter', [JSON.stringify({ deviceId: null, topic: 'frigate/events', payload: '{', reason: 'malformed JSON', ts: NOW })], decodeBusDeadLetter),
  {
    name: 'credential-change',
    property: fc.property(inputs(mutated(['{"username":"air-1","change":"revoked","ts":1}'])), (input) => {
      const change = parseCredentialChange(asBuffer(input));
      if (change && (typeof change.username !== 'string' || !change.username)) throw new Error('accepted a change without a username');
    }),
  },
  {
    name: 'frigate',
    property: fc.property(inputs(mutated([VALID_FRIGATE])), (input) => {
      for (const parse of [parseFrigateEvent, parseFrigateReview]) {
        const result = parse(asText(input));
        refusalHasReason(result as { ok: boolean; reason?: string });
        if (result.ok && result.event) {
          new Date(result.event.ts).toISOString();
          if (result.event.endTs !== null) new Date(result.event.endTs).toISOString();
        }
      }
      parseFrigateStatus(`frigate/${asText(input)}/status`, asText(input), 'frigate');
    }),
  },
];

/** Runs one target for `numRuns` cases (seeded, so a failure can be replayed). */
export function runFuzzTarget(target: FuzzTarget, numRuns: number, seed: number): FuzzOutcome {
  const details = fc.check(target.property, { numRuns, seed, endOnFailure: true });
  const outcome: FuzzOutcome = { target: target.name, cases: details.numRuns, failures: details.failed ? 1 : 0 };
  if (details.failed) {
    outcome.counterexample = JSON.stringify(details.counterexample?.[0] instanceof Uint8Array ? [...details.counterexample[0]] : details.counterexample?.[0]);
    outcome.error = String(details.errorInstance);
  }
  return outcome;
}
