import { mkdirSync, readdirSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Items that could not be written yet, kept on local disk: a directory of append-only segment files
 * (`<sequence>-<count>.jsonl`, one JSON item per line), each written whole (temp file, then rename) and removed
 * once every item in it has been written to the store. A crash while replaying a segment replays it again, which
 * the store's idempotent writes make harmless.
 */
export interface Spill<T> {
  /** Items on disk not yet written (including those of the segment being replayed). */
  readonly size: number;
  /** Appends one segment holding `items`. */
  append(items: readonly T[]): Promise<void>;
  /** Up to `max` of the oldest spilled items not yet handed out; empty when the spill is empty. */
  next(max: number): Promise<T[]>;
  /** Records that the items last handed out by next() are written (removes a segment once all of it is). */
  commit(): Promise<void>;
  /** Forgets what next() handed out without a commit, so the next call hands it out again. */
  rewind(): void;
}

const SEGMENT = /^(\d{12})-(\d+)\.jsonl$/;

export function openSpill<T>(dir: string): Spill<T> {
  mkdirSync(dir, { recursive: true });
  const segments = readdirSync(dir)
    .map((file) => SEGMENT.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ file: match[0], seq: Number(match[1]), count: Number(match[2]) }))
    .sort((a, b) => a.seq - b.seq);
  let size = segments.reduce((sum, s) => sum + s.count, 0);
  let seq = segments.at(-1)?.seq ?? 0;
  /** The oldest segment's items, read when replay reaches it. */
  let current: { file: string; items: T[]; offset: number; handed: number } | undefined;

  return {
    get size() {
      return size;
    },
    async append(items) {
      if (items.length === 0) return;
      seq += 1;
      const file = `${String(seq).padStart(12, '0')}-${items.length}.jsonl`;
      const body = items.map((item) => JSON.stringify(item)).join('\n') + '\n';
      await writeFile(join(dir, `${file}.tmp`), body, { flush: true });
      await rename(join(dir, `${file}.tmp`), join(dir, file));
      segments.push({ file, seq, count: items.length });
      size += items.length;
    },
    async next(max) {
      if (!current) {
        const oldest = segments[0];
        if (!oldest) return [];
        const text = await readFile(join(dir, oldest.file), 'utf8');
        const items = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
        current = { file: oldest.file, items, offset: 0, handed: 0 };
      }
      current.handed = Math.min(max, current.items.length - current.offset);
      return current.items.slice(current.offset, current.offset + current.handed);
    },
    async commit() {
      if (!current || current.handed === 0) return;
      current.offset += current.handed;
      size -= current.handed;
      current.handed = 0;
      if (current.offset < current.items.length) return;
      const done = current;
      current = undefined;
      segments.shift();
      await unlink(join(dir, done.file));
    },
    rewind() {
      if (current) current.handed = 0;
    },
  };
}
