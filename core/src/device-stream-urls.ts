import type { Queryable } from './db/types.ts';

/** Registers where a device serves its media stream (a camera's MJPEG URL), in the devices table. */
export async function setDeviceStreamUrl(db: Queryable, id: string, url: string | null): Promise<void> {
  await db.query('UPDATE devices SET stream_url = $2 WHERE id = $1', [id, url]);
}

export async function getDeviceStreamUrl(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ stream_url: string | null }>('SELECT stream_url FROM devices WHERE id = $1', [id]);
  return rows[0]?.stream_url ?? undefined;
}

/** The enabled cameras that have a stream URL, by id. */
export async function listCameraStreamUrls(db: Queryable): Promise<{ id: string; url: string }[]> {
  const { rows } = await db.query<{ id: string; stream_url: string }>(
    "SELECT id, stream_url FROM devices WHERE kind = 'camera' AND enabled AND stream_url IS NOT NULL ORDER BY id",
  );
  return rows.map((row) => ({ id: row.id, url: row.stream_url }));
}
