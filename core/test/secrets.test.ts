import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateToken, hashPassword, hashToken, needsRehash, SCRYPT_PARAMS, verifyPassword, verifyToken } from '@ioc/core';

describe('machine tokens', () => {
  it('are random, URL-safe and 43 characters for 32 bytes', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken(16)).toHaveLength(22);
  });

  it('are stored as a SHA-256 hash that verifies only the same token', () => {
    const token = generateToken();
    const hash = hashToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashToken(token));
    expect(verifyToken(token, hash)).toBe(true);
    expect(verifyToken(generateToken(), hash)).toBe(false);
    expect(verifyToken('', hash)).toBe(false);
    expect(verifyToken(token, 'not-a-hash')).toBe(false);
  });
});

describe('passwords', () => {
  it('are hashed with scrypt and a fresh salt each time', async () => {
    const [a, b] = [await hashPassword('mật khẩu'), await hashPassword('mật khẩu')];
    expect(a).toMatch(/^scrypt\$N=65536,r=8,p=2\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('mật khẩu', a)).toBe(true);
    expect(await verifyPassword('mật khẩu', b)).toBe(true);
    expect(await verifyPassword('mat khau', a)).toBe(false);
  });

  it('refuse stored values that are not scrypt hashes', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$abc$def')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$$')).toBe(false);
  });
});

describe('password hash cost (hardening: scrypt parameters stored beside the hash)', () => {
  it('stores N, r and p with each hash, at the current cost', async () => {
    const stored = await hashPassword('mật khẩu');
    const { N, r, p } = SCRYPT_PARAMS;
    expect(stored.split('$')[1]).toBe(`N=${N},r=${r},p=${p}`);
    expect(N * r * p).toBeGreaterThanOrEqual(2 ** 17 * 8);
    expect(needsRehash(stored)).toBe(false);
  });

  it('still verifies hashes made before, at Node\'s default cost without parameters, and marks them for a new hash', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('mật khẩu', salt, 32);
    const legacy = `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('mật khẩu', legacy)).toBe(true);
    expect(await verifyPassword('mat khau', legacy)).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });

  it('verifies a hash at whatever cost it names, and refuses costs no login may ask for', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('pw-at-low-cost', salt, 32, { N: 1024, r: 4, p: 1 });
    const low = `scrypt$N=1024,r=4,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('pw-at-low-cost', low)).toBe(true);
    expect(needsRehash(low)).toBe(true);
    for (const params of ['N=1000,r=8,p=1', 'N=4194304,r=8,p=1', 'N=1048576,r=32,p=1', 'N=1024,r=0,p=1', 'N=1024,r=8', 'n=1024,r=8,p=1']) {
      expect(await verifyPassword('pw-at-low-cost', `scrypt$${params}$${salt.toString('base64url')}$${key.toString('base64url')}`), params).toBe(false);
    }
  });
});
