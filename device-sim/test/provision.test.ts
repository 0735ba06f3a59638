import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDevice, getDeviceCredentials, openDb, verifyToken, type Db } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { hueAirFleet, provisionFleet, readCredentials, readTokenFile } from '@ioc/device-sim';

describe('provisionFleet', () => {
  const dir = tempDir('ioc-sim-provision-');
  const file = join(dir.path, 'sim-credentials.json');
  const fleet = hueAirFleet().slice(0, 5);
  let db: Db;

  beforeAll(async () => {
    db = await openDb({ dataDir: dir.path });
  });
  afterAll(async () => {
    await db.close();
    dir.remove();
  });

  it('registers the devices with their area and place, and keeps their tokens in a private file', async () => {
    const result = await provisionFleet(db, fleet, file);
    expect(result.created).toEqual(fleet.map((d) => d.id));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readCredentials(file);
    for (const device of fleet) {
      const token = result.tokens.get(device.id)!;
      expect(stored[device.id]).toBe(token);
      expect(verifyToken(token, (await getDeviceCredentials(db, device.id))!.tokenHash)).toBe(true);
      expect(await getDevice(db, device.id)).toMatchObject({ kind: 'air', areaId: device.areaId, lat: device.lat, lon: device.lon });
    }
  });

  it('reuses the stored tokens on the next start', async () => {
    const before = readCredentials(file);
    const result = await provisionFleet(db, fleet, file);
    expect(result.created).toEqual([]);
    expect(result.reissued).toEqual([]);
    expect(Object.fromEntries(result.tokens)).toEqual(before);
  });

  it('issues a new token to a device whose stored token was lost', async () => {
    const credentials = readCredentials(file);
    const lost = fleet[0]!.id;
    delete credentials[lost];
    writeFileSync(file, JSON.stringify(credentials));
    const result = await provisionFleet(db, fleet, file);
    expect(result.reissued).toEqual([lost]);
    const token = readCredentials(file)[lost]!;
    expect(verifyToken(token, (await getDeviceCredentials(db, lost))!.tokenHash)).toBe(true);
  });

  it('reads the tokens of devices registered elsewhere, as an object or as JSON lines', () => {
    const object = join(dir.path, 'tokens.json');
    writeFileSync(object, JSON.stringify({ 'air-1': 'a', 'air-2': 'b' }));
    expect(readTokenFile(object)).toEqual(new Map([['air-1', 'a'], ['air-2', 'b']]));
    const lines = join(dir.path, 'tokens.jsonl');
    writeFileSync(lines, '{"id":"air-1","token":"a"}\n\n{"id":"air-2","token":"b"}\n');
    expect(readTokenFile(lines)).toEqual(new Map([['air-1', 'a'], ['air-2', 'b']]));
    writeFileSync(lines, '{"id":"air-1","token":"a"}\nair-2 b\n');
    expect(() => readTokenFile(lines)).toThrow(`credentials file ${lines}, line 2: expected`);
    expect(() => readTokenFile(join(dir.path, 'none'))).toThrow(/none: no such file/);
  });

  it('refuses a damaged credentials file with a message naming it', async () => {
    const damaged = join(dir.path, 'damaged.json');
    writeFileSync(damaged, '{not json');
    await expect(provisionFleet(db, fleet, damaged)).rejects.toThrow(damaged);
  });
});
