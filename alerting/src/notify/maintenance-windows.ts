import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { MAX_EPOCH_MS } from './times.ts';
import { recordAuditEvents, type Db, type Queryable } from '@ioc/core';

const Ids = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500, uniqueItems: true, description });

export const NewMaintenanceWindow = Type.Object(
  {
    deviceIds: Type.Optional(Ids('devices under maintenance')),
    areaIds: Type.Optional(Ids('areas under maintenance (every alert located there)')),
    startsAt: Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch ms' }),
    endsAt: Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch ms, after startsAt' }),
    comment: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type NewMaintenanceWindow = Static<typeof NewMaintenanceWindow>;

export const MaintenanceWindow = Type.Object({
  id: Type.String(),
  deviceIds: Type.Array(Type.String()),
  areaIds: Type.Array(Type.String()),
  startsAt: Type.Number(),
  endsAt: Type.Number(),
  comment: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
});
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;

export function maintenanceProblem(input: NewMaintenanceWindow): string | undefined {
  if (!input.deviceIds?.length && !input.areaIds?.length) return 'name at least one of "deviceIds" and "areaIds"';
  if (input.endsAt <= input.startsAt) return '"endsAt" must be after "startsAt"';
  return undefined;
}

/** Whether a window covers an alert's device or area. */
export function covers(window: Pick<MaintenanceWindow, 'deviceIds' | 'areaIds'>, alert: { deviceId: string | null; areaId: string | null }): boolean {
  return (alert.deviceId !== null && window.deviceIds.includes(alert.deviceId)) || (alert.areaId !== null && window.areaIds.includes(alert.areaId));
}

interface WindowRow {
  id: string;
  device_ids: string[];
  area_ids: string[];
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  created_at: Date;
}

const fromRow = (r: WindowRow): MaintenanceWindow => ({
  id: r.id,
  deviceIds: r.device_ids,
  areaIds: r.area_ids,
  startsAt: r.starts_at.getTime(),
  endsAt: r.ends_at.getTime(),
  comment: r.comment,
  createdBy: r.created_by,
  createdAt: r.created_at.getTime(),
});

/** Windows not yet over, and those over in the last 30 days. */
export async function listMaintenanceWindows(db: Queryable, now: number): Promise<MaintenanceWindow[]> {
  const { rows } = await db.query<WindowRow>(
    `SELECT * FROM maintenance_windows WHERE ends_at > $1::timestamptz - interval '30 days' ORDER BY starts_at DESC, id LIMIT 1000`,
    [new Date(now).toISOString()],
  );
  return rows.map(fromRow);
}

export async function activeMaintenanceWindows(db: Queryable, now: number): Promise<MaintenanceWindow[]> {
  const at = new Date(now).toISOString();
  return (await db.query<WindowRow>('SELECT * FROM maintenance_windows WHERE starts_at <= $1 AND ends_at > $1', [at])).rows.map(fromRow);
}

/** Creates a window, audited (`maintenance.create`). */
export function createMaintenanceWindow(db: Db, input: NewMaintenanceWindow, actor: string, now: number, remoteAddress: string | null = null): Promise<MaintenanceWindow> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<WindowRow>(
      `INSERT INTO maintenance_windows (id, device_ids, area_ids, starts_at, ends_at, comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [randomUUID(), input.deviceIds ?? [], input.areaIds ?? [], new Date(input.startsAt).toISOString(), new Date(input.endsAt).toISOString(), input.comment.normalize('NFC'), actor, new Date(now).toISOString()],
    );
    const window = fromRow(rows[0] as WindowRow);
    await recordAuditEvents(tx, [{ ts: now, actor, action: 'maintenance.create', target: window.id, remoteAddress, detail: { ...input } }]);
    return window;
  });
}

/** Ends a window now (one not started yet never starts), audited (`maintenance.end`). */
export function endMaintenanceWindow(db: Db, id: string, actor: string, now: number, remoteAddress: string | null = null): Promise<MaintenanceWindow | undefined> {
  return db.transaction(async (tx) => {
    const at = new Date(now).toISOString();
    const { rows } = await tx.query<WindowRow>('UPDATE maintenance_windows SET ends_at = GREATEST(starts_at, $2::timestamptz) WHERE id = $1 AND ends_at > $2 RETURNING *', [id, at]);
    if (!rows[0]) return undefined;
    await recordAuditEvents(tx, [{ ts: now, actor, action: 'maintenance.end', target: id, remoteAddress }]);
    return fromRow(rows[0]);
  });
}
