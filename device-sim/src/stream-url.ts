import type { Queryable } from '@ioc/core';

/** Registers where a device serves its media stream (a camera's MJPEG URL), in the devices table. */
export async function setDeviceStreamUrl(db: Queryable, id: string, url: string | null): Promise<void> {
  await db.query('UPDATE devices SET stream_url = $2 WHERE id = $1', [id, url]);
}

export async function getDeviceStreamUrl(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ stream_url: string | null }>('SELECT stream_url FROM devices WHERE id = $1', [id]);
  return rows[0]?.stream_url ?? undefined;
}
