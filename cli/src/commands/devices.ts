import { createDevice, DeviceError, listDevices, loadConfig, openDb, type Device } from '@ioc/core';
import { numberFlag, parseFlags, required } from '../args.ts';
import { UsageError, type Command, type CommandContext } from '../io.ts';

/** ioc devices add|list, against the configured database. */
export const devices: Command = async (context) => {
  const [sub, ...args] = context.args;
  if (sub === 'add') return add({ ...context, args });
  if (sub === 'list') return list({ ...context, args });
  throw new UsageError(sub ? `unknown devices command "${sub}"` : 'devices needs a command: add or list');
};

async function add({ args, env, io }: CommandContext): Promise<number> {
  const { values } = parseFlags(args, {
    id: { type: 'string' },
    kind: { type: 'string' },
    area: { type: 'string' },
    lat: { type: 'string' },
    lon: { type: 'string' },
  });
  const device = {
    id: required(values.id, 'id'),
    kind: required(values.kind, 'kind'),
    areaId: values.area,
    lat: numberFlag(values.lat, 'lat'),
    lon: numberFlag(values.lon, 'lon'),
  };
  const db = await openDb(loadConfig(env));
  try {
    const { token } = await createDevice(db, device);
    io.out(JSON.stringify({ id: device.id, token }));
    return 0;
  } catch (error) {
    if (!(error instanceof DeviceError)) throw error;
    io.err(`ioc devices add: ${error.message}`);
    return 1;
  } finally {
    await db.close();
  }
}

const TABLE_COLUMNS = ['id', 'kind', 'areaId', 'lat', 'lon', 'enabled', 'online', 'lastSeen'] as const;

function table(items: Device[]): string {
  const cell = (device: Device, column: (typeof TABLE_COLUMNS)[number]) => {
    const value = device[column];
    if (value === null) return '-';
    return column === 'lastSeen' ? new Date(value as number).toISOString() : String(value);
  };
  const rows = [[...TABLE_COLUMNS] as string[], ...items.map((d) => TABLE_COLUMNS.map((c) => cell(d, c)))];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function list({ args, env, io }: CommandContext): Promise<number> {
  const { values } = parseFlags(args, { table: { type: 'boolean' } });
  const db = await openDb(loadConfig(env));
  try {
    const items = await listDevices(db);
    if (values.table) io.out(table(items));
    else for (const device of items) io.out(JSON.stringify(device));
    return 0;
  } finally {
    await db.close();
  }
}
