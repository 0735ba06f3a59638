import { Type, type Static, type TSchema } from 'typebox';
import { commandSpec, commandTypes, DEVICE_KINDS, type CommandType, type DeviceKind } from '../catalogue.ts';
import { decode, type Decoded } from './decode.ts';

/** Epoch milliseconds, within what a Date holds (±8.64e15). */
const EpochMs = Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'epoch ms' });

export const CommandId = Type.String({ minLength: 1, maxLength: 64 });
const CommandArgs = Type.Record(Type.String(), Type.Unknown(), { description: 'the arguments of the command type (see the catalogue)' });

/** What the IOC publishes on `ioc/v1/devices/{id}/cmd` at QoS 1. */
export const DeviceCommand = Type.Object({
  id: CommandId,
  type: Type.String({ minLength: 1, maxLength: 64 }),
  args: CommandArgs,
  /** After this the command must not be carried out: the gateway no longer delivers it, a device refuses it. */
  expires: EpochMs,
});
export type DeviceCommand = Static<typeof DeviceCommand>;

/** What a device publishes on `ioc/v1/devices/{id}/ack` for each command it received. */
export const DeviceAck = Type.Object({
  id: CommandId,
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  detail: Type.Optional(Type.String({ maxLength: 1000, description: 'why it failed, or a remark' })),
});
export type DeviceAck = Static<typeof DeviceAck>;

/** `sent` until the device acks it (`acked`, or `failed` with the device's detail), or it expires unacked (`expired`). */
export const CommandStatus = Type.Union([Type.Literal('sent'), Type.Literal('acked'), Type.Literal('failed'), Type.Literal('expired')]);
export type CommandStatus = Static<typeof CommandStatus>;

/** A command as the IOC recorded it (`GET /api/devices/{id}/commands`, the live feed's `command` event). */
export const CommandRecord = Type.Object({
  id: CommandId,
  deviceId: Type.String(),
  type: Type.String(),
  args: CommandArgs,
  status: CommandStatus,
  /** The device's detail of its ack, or why the IOC gave the command up; null otherwise. */
  detail: Type.Union([Type.String(), Type.Null()]),
  expires: EpochMs,
  createdAt: EpochMs,
  /** Who sent it: `user:<username>`, `cli`, `service:<name>`. */
  createdBy: Type.String(),
  /** When the status last changed. */
  updatedAt: EpochMs,
});
export type CommandRecord = Static<typeof CommandRecord>;

/** The arguments of one command type of a kind, as its catalogue entry declares them. */
export type CommandArgsOf<K extends DeviceKind, T extends CommandType<K>> = Static<(typeof DEVICE_KINDS)[K]['commands'][T] extends { args: infer A extends TSchema } ? A : never>;

/** Any command a device of kind K (of any kind, for a union) obeys, discriminated by `type`. */
export type KindCommand<K extends DeviceKind> = K extends DeviceKind ? { [T in CommandType<K>]: { type: T; args: CommandArgsOf<K, T> } }[CommandType<K>] : never;

const article = (kind: string) => (/^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

/** Checks a command's type and arguments against the catalogue entry of the device's kind; a refusal names the field. */
export function checkCommand<K extends DeviceKind>(kind: K, type: string, args: unknown): Decoded<KindCommand<K>> {
  const spec = commandSpec(kind, type);
  if (!spec) {
    const types = commandTypes(kind);
    return {
      ok: false,
      reason: types.length === 0 ? `"type": ${article(kind)} takes no commands` : `"type" must be one of ${types.map((t) => JSON.stringify(t)).join(', ')} for ${article(kind)}`,
    };
  }
  const decoded = decode(spec.args, args, 'args');
  return decoded.ok ? { ok: true, value: { type, args: decoded.value } as KindCommand<K> } : decoded;
}
