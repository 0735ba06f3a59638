import { HttpError, InfluxDB } from '@influxdata/influxdb-client';

/** Where the v2 write API of InfluxDB 2.x/3.x takes points: an organisation's bucket (3.x: the database), by token. */
export interface V2WriteTarget {
  url: string;
  token: string;
  org: string;
  bucket: string;
}

/** A failed write: the server's status, and how long it asked us to wait (`Retry-After` on 429 and 503). */
export interface WriteError extends Error {
  status?: number;
  retryAfterMs?: number;
}

/**
 * Sends line-protocol lines to `/api/v2/write` with the official client's WriteApi (@influxdata/influxdb-client):
 * its transport, its `Authorization: Token`, org, bucket and precision. One WriteApi per call, closed when its lines
 * are written, so that a call resolves only once InfluxDB took its own lines: a WriteApi shared by concurrent
 * writes would flush one caller's lines with another's, and its background batching and retries would answer
 * before the data is stored. Retries and the spill to disk are ingest's (ingest/src/batcher.ts); a refusal is
 * thrown with the server's message and its Retry-After.
 */
export function createV2LineWriter(target: V2WriteTarget, timeoutMs: number): (lines: readonly string[]) => Promise<void> {
  const client = new InfluxDB({ url: target.url, token: target.token, timeout: timeoutMs });
  return async (lines) => {
    const api = client.getWriteApi(target.org, target.bucket, 'ms', {
      batchSize: lines.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      // Not gzipped: on a LAN the CPU gzip costs is worth more than the bytes it saves.
      gzipThreshold: Number.POSITIVE_INFINITY,
      // A rejected promise here is what the client passes on to close(), without logging the failure itself.
      writeFailed: (error) => Promise.reject(error),
    });
    api.writeRecords(lines as string[]);
    try {
      await api.close();
    } catch (error) {
      throw writeError(target.url, error as Error);
    }
  };
}

function writeError(url: string, error: Error): WriteError {
  if (!(error instanceof HttpError)) {
    return Object.assign(new Error(`InfluxDB at ${url}: ${error.message}`, { cause: error }), {});
  }
  const message = (error.json as { message?: string } | undefined)?.message ?? error.body ?? error.message;
  const retryAfter = Number(error.headers?.['retry-after']);
  return Object.assign(new Error(`InfluxDB ${error.statusCode} on /api/v2/write: ${String(message).trim() || error.statusMessage}`, { cause: error }), {
    status: error.statusCode,
    ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
  });
}
