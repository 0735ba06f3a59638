import { describe, expect, it } from 'vitest';
import { devicePartition, ownsDevice, parsePartition, partitionedClientId, partitionOfClientId } from '@ioc/core';

describe('partitions: several workers splitting the devices', () => {
  it('reads i/n and refuses anything else', () => {
    expect(parsePartition('2/4')).toEqual({ index: 2, count: 4 });
    expect(parsePartition(' 1/1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/2', '3/2', '1/0', '1/2000', '1', '1/2/3', 'a/b', '-1/2']) expect(parsePartition(bad)).toBeUndefined();
  });

  it('names the partition in the client id, and reads it back only from that suffix', () => {
    const id = partitionedClientId('ioc-ingest', { index: 3, count: 8 });
    expect(id).toBe('ioc-ingest-p3of8');
    expect(partitionOfClientId(id)).toEqual({ index: 3, count: 8 });
    for (const other of ['ioc-ingest', 'ioc-ingest-p3of', 'ioc-ingest-p9of8', 'ioc-ingest-p0of8', 'p1of2-device']) {
      expect(partitionOfClientId(other)).toBeUndefined();
    }
  });

  it('gives every device exactly one owner, the same in every process, and spreads them evenly', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `air-${i}`);
    for (const count of [1, 2, 3, 7]) {
      const sizes = new Array(count).fill(0);
      for (const id of ids) {
        const owner = devicePartition(id, count);
        sizes[owner - 1]++;
        const owners = Array.from({ length: count }, (_, i) => ownsDevice({ index: i + 1, count }, id)).filter(Boolean);
        expect(owners).toHaveLength(1);
      }
      for (const size of sizes) expect(Math.abs(size - ids.length / count)).toBeLessThan((ids.length / count) * 0.05);
    }
    // FNV-1a (32 bits), checked against the published test vectors ("a" → 0xe40c292c, "foobar" → 0xbf9cf968): fixed,
    // so gateways and workers of different versions agree.
    expect(devicePartition('a', 2 ** 32)).toBe(0xe40c292c + 1);
    expect(devicePartition('foobar', 2 ** 32)).toBe(0xbf9cf968 + 1);
  });
});
