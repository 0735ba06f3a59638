import { describe, expect, it } from 'vitest';
import { generateToken, hashPassword, hashToken, verifyPassword, verifyToken } from '@ioc/core';

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
    expect(a).toMatch(/^scrypt\$[\w-]+\$[\w-]+$/);
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
