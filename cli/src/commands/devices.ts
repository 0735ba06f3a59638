import { readFileSync } from 'node:fs';
import {
  createDeviceRegistry,
  createLogger,
  loadAreaSet,
  DeviceError,
  listDevices,
  loadCommonConfig,
  openDb,
  parseDevicesCsv,
  systemClock,
  type Db,
  type Device,
  type DeviceAttributes,
  type DeviceChanges,
  type DeviceRegistry,
  type CommonConfig,
} from '@ioc/core';
import { numberFlag, parseFlags, required } from '../args.ts';
import { UsageError, type Command, type CommandContext, type Io } from '../io.ts';
import { announceFromCli } from './devices-announce.ts';

type Handler = (context: CommandContext & { config: CommonConfig; db: Db; registry: DeviceRegistry }) => Promise<number>;

const SUBCOMMANDS: Record<string, Handler> = {
  add,
  import: importCsv,
  list,
  update,
  enable: (context) => setEnabled(context, true),
  disable: (context) => setEnabled(context, false),
  rotate,
  revoke,
  remove,
};

/** What the CLI's changes are audited as. */
const CLI = { actor: 'cli' };

/**
 * ioc devices add|import|list|update|enable|disable|rotate|revoke|remove, against the configured database: a thin
 * adapter over core's device-registry use-cases, as the HTTP routes are.
 */
export const devices: Command = async (context) => {
  const [sub, ...args] = context.args;
  const handler = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!handler) {
    const known = Object.keys(SUBCOMMANDS).join(', ');
    throw new UsageError(sub ? `unknown devices command "${sub}"; known: ${known}` : `devices needs a command: ${known}`);
  }
  const config = loadCommonConfig(context.env);
  const db = await openDb(config);
  // Bus failures are told on stderr by announceFromCli; the registry's own log stays quiet.
  const registry = createDeviceRegistry({
    db,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    announce: announceFromCli(config, context.io),
    areas: loadAreaSet(config.areasDir).areas,
  });
  try {
    return await handler({ ...context, args, config, db, registry });
  } catch (error) {
    if (!(error instanceof DeviceError)) throw error;
    context.io.err(`ioc devices ${sub}: ${error.message}`);
    return 1;
  } finally {
    await db.close();
  }
};

/** `--attr name=value`, repeatable; numbers and true/false keep their type. */
function attributes(values: string[] | undefined): DeviceAttributes | undefined {
  if (!values) return undefined;
  const result: DeviceAttributes = {};
  for (const pair of values) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--attr must be name=value, got "${pair}"`);
    const raw = pair.slice(at + 1);
    result[pair.slice(0, at)] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return result;
}

async function add({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, {
    id: { type: 'string' },
    kind: { type: 'string' },
    area: { type: 'string' },
    lat: { type: 'string' },
    lon: { type: 'string' },
    attr: { type: 'string', multiple: true },
    disabled: { type: 'boolean' },
  });
  const { device, token } = await registry.register({
    id: required(values.id, 'id'),
    kind: required(values.kind, 'kind'),
    areaId: values.area,
    lat: numberFlag(values.lat, 'lat'),
    lon: numberFlag(values.lon, 'lon'),
    attributes: attributes(values.attr),
    enabled: !values.disabled,
  }, CLI);
  io.out(JSON.stringify({ id: device.id, token }));
  return 0;
}

async function importCsv({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { positionals } = parseFlags(args, {}, true);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('devices import needs one CSV file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.err(`ioc devices import: cannot read "${file}": ${(error as Error).message}`);
    return 1;
  }
  const parsed = parseDevicesCsv(text);
  const report = (problems: Array<{ line: number; message: string }>) => {
    for (const p of problems) io.err(`${file}:${p.line}: ${p.message}`);
    io.err(`ioc devices import: ${problems.length} problem(s); nothing was registered`);
    return 1;
  };
  if (parsed.errors.length > 0) return report(parsed.errors);
  if (parsed.devices.length === 0) return report([{ line: 2, message: 'the CSV has no devices' }]);
  const result = await registry.registerMany(parsed.devices, CLI);
  if (!result.ok) return report(result.errors.map((e) => ({ line: parsed.devices[e.index]?.line ?? 0, message: e.message })));
  for (const { device, token } of result.created) io.out(JSON.stringify({ id: device.id, token }));
  return 0;
}

const TABLE_COLUMNS = ['id', 'kind', 'areaId', 'lat', 'lon', 'enabled', 'revokedAt', 'online', 'lastSeen'] as const;

function table(items: Device[]): string {
  const cell = (device: Device, column: (typeof TABLE_COLUMNS)[number]) => {
    const value = device[column];
    if (value === null) return '-';
    return column === 'lastSeen' || column === 'revokedAt' ? new Date(value as number).toISOString() : String(value);
  };
  const rows = [[...TABLE_COLUMNS] as string[], ...items.map((d) => TABLE_COLUMNS.map((c) => cell(d, c)))];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function list({ args, db, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, { table: { type: 'boolean' } });
  const items = await listDevices(db);
  if (values.table) io.out(table(items));
  else for (const device of items) io.out(JSON.stringify(device));
  return 0;
}

function unknown(io: Io, id: string): number {
  io.err(`ioc devices: no device "${id}"`);
  return 1;
}

async function update({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, {
    id: { type: 'string' },
    kind: { type: 'string' },
    area: { type: 'string' },
    lat: { type: 'string' },
    lon: { type: 'string' },
    attr: { type: 'string', multiple: true },
  });
  const id = required(values.id, 'id');
  const changes: DeviceChanges = {
    kind: values.kind,
    areaId: values.area === undefined ? undefined : values.area === '' ? null : values.area,
    lat: numberFlag(values.lat, 'lat'),
    lon: numberFlag(values.lon, 'lon'),
    attributes: attributes(values.attr),
  };
  if (Object.values(changes).every((v) => v === undefined)) throw new UsageError('devices update needs something to change: --kind, --area, --lat/--lon or --attr');
  const updated = await registry.update(id, changes, CLI);
  if (!updated) return unknown(io, id);
  io.out(JSON.stringify(updated.device));
  return 0;
}

async function setEnabled({ args, registry, io }: Parameters<Handler>[0], enabled: boolean): Promise<number> {
  const { values } = parseFlags(args, { id: { type: 'string' } });
  const id = required(values.id, 'id');
  const updated = await registry.update(id, { enabled }, CLI);
  if (!updated) return unknown(io, id);
  io.out(JSON.stringify({ id, enabled, gatewayNotified: updated.gatewayNotified }));
  return 0;
}

async function rotate({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, { id: { type: 'string' } });
  const id = required(values.id, 'id');
  const rotated = await registry.rotate(id, CLI);
  if (!rotated) return unknown(io, id);
  io.out(JSON.stringify({ id, ...rotated }));
  return 0;
}

async function revoke({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, { id: { type: 'string' } });
  const id = required(values.id, 'id');
  const revoked = await registry.revoke(id, CLI);
  if (!revoked) return unknown(io, id);
  io.out(JSON.stringify({ id, revokedAt: revoked.device.revokedAt, gatewayNotified: revoked.gatewayNotified }));
  return 0;
}

async function remove({ args, registry, io }: Parameters<Handler>[0]): Promise<number> {
  const { values } = parseFlags(args, { id: { type: 'string' } });
  const id = required(values.id, 'id');
  const removed = await registry.remove(id, CLI);
  if (!removed) return unknown(io, id);
  io.out(JSON.stringify({ id, removed: true, gatewayNotified: removed.gatewayNotified }));
  return 0;
}
