import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { recordAuditEvents } from './audit.ts';
import type { DeviceKind } from './catalogue.ts';
import type { Clock } from './clock.ts';
import { changeCommandStatus, expireCommands, findCommand, insertCommand, listCommands } from './command-store.ts';
import { checkCommand, decodeJson, DeviceAck, type CommandRecord, type DeviceCommand } from './contracts/index.ts';
import type { Db } from './db/types.ts';
import { recordDeadLetters } from './dead-letters.ts';
import { getDevice } from './devices.ts';
import type { Logger } from './logger.ts';
import { deviceTopic } from './topics.ts';
import type { Role } from './users.ts';

/** How long a command may wait for its device when the sender does not say, and at most. */
export const DEFAULT_COMMAND_TTL_S = 300;
export const MAX_COMMAND_TTL_S = 7 * 24 * 3600;

/** Kinds radio staff may command: they work broadcasts, so loudspeakers only. */
const RADIO_STAFF_KINDS: ReadonlySet<DeviceKind> = new Set(['speaker']);

/** Operators and admins command any device; radio staff (radio, radio_lead) loudspeakers; viewers none. */
export function mayCommand(role: Role, kind: DeviceKind): boolean {
  if (role === 'admin' || role === 'operator') return true;
  return (role === 'radio' || role === 'radio_lead') && RADIO_STAFF_KINDS.has(kind);
}

export class CommandError extends Error {
  constructor(
    readonly code: 'unknown_device' | 'forbidden' | 'invalid_command' | 'not_sent',
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface CommandRequest {
  deviceId: string;
  type: string;
  args?: unknown;
  /** Seconds the command may wait for its device (default DEFAULT_COMMAND_TTL_S). */
  ttlS?: number;
}

export interface CommandSender {
  /** As in the audit log: `user:<username>`, `cli`, `service:<name>`. */
  actor: string;
  role: Role;
  remoteAddress?: string;
}

export interface DeviceCommands {
  /** Checks, records (and audits), then publishes a command; resolves with its record, status `sent`. */
  send(request: CommandRequest, sender: CommandSender): Promise<CommandRecord>;
  /** Handles one message of `ioc/v1/devices/{deviceId}/ack`: the command becomes acked or failed; a bad ack a dead letter. */
  acknowledge(deviceId: string, topic: string, payload: Buffer | string): Promise<void>;
  /** Marks expired every command past its `expires` without an ack; returns them. */
  expireDue(): Promise<CommandRecord[]>;
  /** A device's commands, newest first (those past expiry already marked expired). */
  list(deviceId: string): Promise<CommandRecord[]>;
}

/** Publishes a command on `ioc/v1/devices/{id}/cmd` at QoS 1; resolves once the broker has it. */
export async function publishDeviceCommand(client: Pick<MqttClient, 'publishAsync'>, deviceId: string, command: DeviceCommand): Promise<void> {
  await client.publishAsync(deviceTopic(deviceId, 'cmd'), JSON.stringify(command), { qos: 1 });
}

/**
 * The device command path: the one place that sends commands, tracks their acks and expires them, for every adapter
 * (HTTP API, and later the CLI, the radio and flows). `publish` puts a command on the bus; `onChange` hears every
 * record created or changed here (the live feed).
 */
export function createDeviceCommands(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  publish: (deviceId: string, command: DeviceCommand) => Promise<void>;
  onChange?: (record: CommandRecord) => void;
}): DeviceCommands {
  const { db, clock, logger, publish } = deps;
  const changed = (records: CommandRecord[]) => {
    for (const record of records) deps.onChange?.(record);
    return records;
  };

  async function send(request: CommandRequest, sender: CommandSender): Promise<CommandRecord> {
    const device = await getDevice(db, request.deviceId);
    if (!device) throw new CommandError('unknown_device', `no device "${request.deviceId}"`);
    if (!mayCommand(sender.role, device.kind)) {
      throw new CommandError('forbidden', `the ${sender.role} role may not send commands to ${device.id} (kind ${device.kind})`);
    }
    const checked = checkCommand(device.kind, request.type, request.args ?? {});
    if (!checked.ok) throw new CommandError('invalid_command', checked.reason);
    const ttlS = request.ttlS ?? DEFAULT_COMMAND_TTL_S;
    if (!Number.isInteger(ttlS) || ttlS < 1 || ttlS > MAX_COMMAND_TTL_S) {
      throw new CommandError('invalid_command', `"ttlS" must be a whole number of seconds from 1 to ${MAX_COMMAND_TTL_S}`);
    }
    const now = clock.now();
    const record: CommandRecord = {
      id: randomUUID(),
      deviceId: device.id,
      type: checked.value.type,
      args: checked.value.args,
      status: 'sent',
      detail: null,
      expires: now + ttlS * 1000,
      createdAt: now,
      createdBy: sender.actor,
      updatedAt: now,
    };
    await db.transaction(async (tx) => {
      await insertCommand(tx, record);
      await recordAuditEvents(tx, [
        {
          ts: now,
          actor: sender.actor,
          action: 'device.command',
          target: device.id,
          remoteAddress: sender.remoteAddress ?? null,
          detail: { id: record.id, type: record.type, args: record.args, expires: record.expires },
        },
      ]);
    });
    changed([record]);
    try {
      await publish(device.id, { id: record.id, type: record.type, args: record.args, expires: record.expires });
    } catch (error) {
      const detail = `not published: ${(error as Error).message}`;
      const failed = await changeCommandStatus(db, { deviceId: device.id, id: record.id, from: ['sent'], status: 'failed', detail, at: clock.now() });
      if (failed) changed([failed]);
      throw new CommandError('not_sent', `the command was recorded but could not be published (${(error as Error).message}); it is marked failed`);
    }
    logger.info({ deviceId: device.id, id: record.id, type: record.type, by: sender.actor }, 'device command sent');
    return record;
  }

  async function acknowledge(deviceId: string, topic: string, payload: Buffer | string): Promise<void> {
    const text = payload.toString();
    const refuse = (reason: string) => recordDeadLetters(db, [{ deviceId, topic, payload: text, reason, ts: clock.now() }]);
    const ack = decodeJson(DeviceAck, text);
    if (!ack.ok) return refuse(`ack refused: ${ack.reason}`);
    const { id, status, detail } = ack.value;
    // A late ack still tells what the device did, so it settles an expired command too.
    const settled = await changeCommandStatus(db, {
      deviceId,
      id,
      from: ['sent', 'expired'],
      status: status === 'ok' ? 'acked' : 'failed',
      detail: detail ?? null,
      at: clock.now(),
    });
    if (settled) {
      changed([settled]);
      return;
    }
    const known = await findCommand(db, id);
    if (known?.deviceId !== deviceId) return refuse(`ack refused: no command "${id}" was sent to ${deviceId}`);
    logger.debug({ deviceId, id, status: known.status }, 'ack of a command already settled (a redelivery): ignored');
  }

  return {
    send,
    acknowledge,
    expireDue: async () => changed(await expireCommands(db, clock.now())),
    async list(deviceId) {
      if (!(await getDevice(db, deviceId))) throw new CommandError('unknown_device', `no device "${deviceId}"`);
      changed(await expireCommands(db, clock.now(), deviceId));
      return listCommands(db, deviceId);
    },
  };
}
