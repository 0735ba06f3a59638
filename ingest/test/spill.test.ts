import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@ioc/core/testing';
import { openSpill } from '../src/spill.ts';

describe('spill', () => {
  const dirs: { path: string; remove(): void }[] = [];
  const dir = () => {
    const d = tempDir('ioc-spill-');
    dirs.push(d);
    return d.path;
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('hands items out oldest first, across segments, and removes a segment once all of it is committed', async () => {
    const path = dir();
    const spill = openSpill<{ n: number }>(path);
    await spill.append([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await spill.append([{ n: 4 }]);
    expect(spill.size).toBe(4);
    expect(await spill.next(2)).toEqual([{ n: 1 }, { n: 2 }]);
    await spill.commit();
    expect(spill.size).toBe(2);
    expect(await spill.next(2)).toEqual([{ n: 3 }]);
    await spill.commit();
    expect(readdirSync(path)).toHaveLength(1);
    expect(await spill.next(2)).toEqual([{ n: 4 }]);
    await spill.commit();
    expect(spill.size).toBe(0);
    expect(await spill.next(2)).toEqual([]);
    expect(readdirSync(path)).toEqual([]);
  });

  it('hands the same items out again after a rewind, and after a reopen (a crash mid-replay)', async () => {
    const path = dir();
    const spill = openSpill<number>(path);
    await spill.append([1, 2, 3]);
    expect(await spill.next(2)).toEqual([1, 2]);
    spill.rewind();
    expect(await spill.next(2)).toEqual([1, 2]);
    const reopened = openSpill<number>(path);
    expect(reopened.size).toBe(3);
    expect(await reopened.next(10)).toEqual([1, 2, 3]);
    await reopened.append([4]);
    await reopened.commit();
    expect(openSpill<number>(path).size).toBe(1);
    expect(await openSpill<number>(path).next(10)).toEqual([4]);
  });
});
