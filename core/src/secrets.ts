import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A random secret of `bytes` bytes, base64url (32 bytes → 43 characters). */
export function generateToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Hash of a machine token. Tokens carry ≥ 256 bits of randomness, so one SHA-256 is enough and keeps
 * device authentication cheap; human passwords use hashPassword instead.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function verifyToken(token: string, hash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const SCRYPT_KEYLEN = 32;

export interface ScryptParams {
  /** CPU and memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * The cost new password hashes are made with: OWASP's scrypt setting of 2^16 · 8 · 2 (the same work as 2^17 · 8 · 1,
 * half the memory: 64 MiB a hash), about 0.1–0.3 s on a server core.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 2 ** 16, r: 8, p: 2 };
/** Node's defaults: what a hash stored without its parameters (`scrypt$<salt>$<hash>`) was made with. */
const LEGACY_PARAMS: Readonly<ScryptParams> = { N: 2 ** 14, r: 8, p: 1 };

const scryptAsync = (password: string, salt: Buffer, keylen: number, { N, r, p }: ScryptParams) =>
  new Promise<Buffer>((resolve, reject) =>
    // scrypt needs 128·N·r bytes; Node refuses anything past maxmem (32 MiB by default).
    scrypt(password, salt, keylen, { N, r, p, maxmem: 256 * N * r }, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** scrypt hash of a human password, as `scrypt$N=<N>,r=<r>,p=<p>$<salt>$<hash>` (base64url): its cost beside it. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT_KEYLEN, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface StoredHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** `N=…,r=…,p=…` within bounds a stored hash may ask for (no hash may make a login allocate gigabytes), else undefined. */
function parseParams(text: string): ScryptParams | undefined {
  const match = /^N=(\d{1,8}),r=(\d{1,2}),p=(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const [N, r, p] = match.slice(1).map(Number) as [number, number, number];
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  return powerOfTwo && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 2 ** 30 ? { N, r, p } : undefined;
}

/** A stored hash: `scrypt$<params>$<salt>$<hash>`, or the older `scrypt$<salt>$<hash>` made at Node's defaults. */
function parseStored(stored: string): StoredHash | undefined {
  const parts = stored.split('$');
  if (parts[0] !== 'scrypt' || (parts.length !== 3 && parts.length !== 4)) return undefined;
  const params = parts.length === 4 ? parseParams(parts[1] as string) : LEGACY_PARAMS;
  const [salt, key] = parts.slice(-2) as [string, string];
  if (!params || !salt || !key) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const hash = parseStored(stored);
  if (!hash || hash.key.length === 0) return false;
  const actual = await scryptAsync(password, hash.salt, hash.key.length, hash.params);
  return actual.length === hash.key.length && timingSafeEqual(actual, hash.key);
}

/** Whether a stored hash was made at another cost than SCRYPT_PARAMS (hash the password again at the next login). */
export function needsRehash(stored: string): boolean {
  const params = parseStored(stored)?.params;
  return !params || params.N !== SCRYPT_PARAMS.N || params.r !== SCRYPT_PARAMS.r || params.p !== SCRYPT_PARAMS.p;
}
