import type { CommandRecord, CommandStatus } from './contracts/index.ts';
import type { Queryable } from './db/types.ts';

/** Device commands as stored (migration 010). */
interface CommandRow {
  id: string;
  device_id: string;
  type: string;
  args: Record<string, unknown>;
  status: CommandStatus;
  detail: string | null;
  expires: Date;
  created_at: Date;
  created_by: string;
  updated_at: Date;
}

const COLUMNS = 'id, device_id, type, args, status, detail, expires, created_at, created_by, updated_at';
const iso = (ms: number) => new Date(ms).toISOString();

function toRecord(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    type: row.type,
    args: row.args,
    status: row.status,
    detail: row.detail,
    expires: row.expires.getTime(),
    createdAt: row.created_at.getTime(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.getTime(),
  };
}

export async function insertCommand(db: Queryable, record: CommandRecord): Promise<void> {
  await db.query(
    `INSERT INTO device_commands (id, device_id, type, args, status, detail, expires, created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10)`,
    [record.id, record.deviceId, record.type, JSON.stringify(record.args), record.status, record.detail, iso(record.expires), iso(record.createdAt), record.createdBy, iso(record.updatedAt)],
  );
}

export async function findCommand(db: Queryable, id: string): Promise<CommandRecord | undefined> {
  const { rows } = await db.query<CommandRow>(`SELECT ${COLUMNS} FROM device_commands WHERE id = $1`, [id]);
  return rows[0] && toRecord(rows[0]);
}

/**
 * Moves a command of `deviceId` whose status is one of `from` to `status`, with its detail. Returns the changed
 * record, or undefined when there is no such command in one of those states.
 */
export async function changeCommandStatus(
  db: Queryable,
  change: { deviceId: string; id: string; from: readonly CommandStatus[]; status: CommandStatus; detail: string | null; at: number },
): Promise<CommandRecord | undefined> {
  const { rows } = await db.query<CommandRow>(
    `UPDATE device_commands SET status = $4, detail = $5, updated_at = $6
      WHERE id = $1 AND device_id = $2 AND status = ANY($3::text[]) RETURNING ${COLUMNS}`,
    [change.id, change.deviceId, change.from, change.status, change.detail, iso(change.at)],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Marks `expired` every command still `sent` whose `expires` has passed (of one device, when given); returns them. */
export async function expireCommands(db: Queryable, now: number, deviceId?: string): Promise<CommandRecord[]> {
  const { rows } = await db.query<CommandRow>(
    `UPDATE device_commands SET status = 'expired', updated_at = $1
      WHERE status = 'sent' AND expires <= $1 AND ($2::text IS NULL OR device_id = $2) RETURNING ${COLUMNS}`,
    [iso(now), deviceId ?? null],
  );
  return rows.map(toRecord);
}

/** A device's commands, newest first. */
export async function listCommands(db: Queryable, deviceId: string, limit = 100): Promise<CommandRecord[]> {
  const { rows } = await db.query<CommandRow>(
    `SELECT ${COLUMNS} FROM device_commands WHERE device_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2`,
    [deviceId, limit],
  );
  return rows.map(toRecord);
}
