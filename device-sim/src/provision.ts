import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createDevice, getDeviceCredentials, rotateDeviceToken, verifyToken, type Queryable } from '@ioc/core';
import type { SimDevice } from './fleet.ts';

/** Device id → token of the simulated devices, as kept in the credentials file. */
export type FleetCredentials = Record<string, string>;

export interface ProvisionResult {
  tokens: Map<string, string>;
  /** Devices registered now. */
  created: string[];
  /** Devices that existed without a usable stored token and got a new one. */
  reissued: string[];
}

/** Reads the credentials file; a missing file is an empty set, a damaged one an error naming the file. */
export function readCredentials(file: string): FleetCredentials {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch (error) {
    throw new Error(`simulator credentials file ${file} is unreadable: ${(error as Error).message}`);
  }
}

/**
 * Reads the tokens of devices registered elsewhere (by an administrator, `ioc devices add|import`): a JSON object
 * {id: token}, or JSON lines {"id", "token"} as those commands print them. Errors name the file and line.
 */
export function readTokenFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`credentials file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const whole = parseJson(text);
  if (typeof whole === 'object' && whole !== null && !Array.isArray(whole) && !('token' in whole)) {
    const entries = Object.entries(whole);
    const bad = entries.find(([, token]) => typeof token !== 'string');
    if (bad) throw new Error(`credentials file ${file}: the token of "${bad[0]}" is not a string`);
    return new Map(entries as [string, string][]);
  }
  const tokens = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const { id, token } = (parseJson(line) ?? {}) as { id?: unknown; token?: unknown };
    if (typeof id !== 'string' || typeof token !== 'string') {
      throw new Error(`credentials file ${file}, line ${index + 1}: expected a JSON object {id: token} or JSON lines {"id", "token"}`);
    }
    tokens.set(id, token);
  }
  return tokens;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Writes the credentials file atomically, readable only by its owner (mode 0600). */
export function writeCredentials(file: string, credentials: FleetCredentials): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/**
 * Registers the fleet's devices that do not exist yet and returns every device's token. Tokens are kept in
 * `credentialsFile` and reused on the next start; a device that exists but whose stored token no longer matches
 * (file lost, database replaced) gets a new token.
 */
export async function provisionFleet(db: Queryable, fleet: readonly SimDevice[], credentialsFile: string): Promise<ProvisionResult> {
  const credentials = readCredentials(credentialsFile);
  const result: ProvisionResult = { tokens: new Map(), created: [], reissued: [] };
  for (const device of fleet) {
    const stored = await getDeviceCredentials(db, device.id);
    const known = credentials[device.id];
    let token: string;
    if (!stored) {
      ({ token } = await createDevice(db, { id: device.id, kind: device.kind, areaId: device.areaId, lat: device.lat, lon: device.lon }));
      result.created.push(device.id);
    } else if (known && verifyToken(known, stored.tokenHash)) {
      token = known;
    } else {
      token = (await rotateDeviceToken(db, device.id)) as string;
      result.reissued.push(device.id);
    }
    credentials[device.id] = token;
    result.tokens.set(device.id, token);
  }
  if (result.created.length > 0 || result.reissued.length > 0 || !existsSync(credentialsFile)) {
    writeCredentials(credentialsFile, credentials);
  }
  return result;
}
