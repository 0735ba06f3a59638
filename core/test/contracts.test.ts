import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCommand, CommandRecord, decode, decodeJson, DeviceAck, DeviceCommand } from '@ioc/core/contracts';

describe('contracts: bus payloads checked by their schemas, refusals naming the field', () => {
  it('accepts a command and an ack as the bus carries them', () => {
    const command = { id: 'c-1', type: 'volume', args: { level: 50 }, expires: 1_767_225_600_000 };
    expect(decode(DeviceCommand, command)).toEqual({ ok: true, value: command });
    expect(decodeJson(DeviceAck, '{"id":"c-1","status":"error","detail":"amplifier fault"}')).toEqual({
      ok: true,
      value: { id: 'c-1', status: 'error', detail: 'amplifier fault' },
    });
  });

  it('names the missing, mistyped or unknown field', () => {
    expect(decode(DeviceCommand, { id: 'c-1', type: 'stop', args: {} })).toEqual({ ok: false, reason: '"expires" is required' });
    expect(decode(DeviceCommand, { id: 'c-1', type: 'stop', args: {}, expires: '2026-01-01' })).toEqual({ ok: false, reason: '"expires" must be integer' });
    expect(decode(DeviceAck, { id: 'c-1', status: 'done' })).toEqual({ ok: false, reason: '"status" must be one of "ok", "error"' });
    expect(decode(DeviceAck, [])).toEqual({ ok: false, reason: 'the value must be object' });
    expect(decodeJson(DeviceAck, '{"id": ')).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed JSON: /) });
    const record = { id: 'c', deviceId: 'd', type: 'stop', args: {}, status: 'sent', detail: null, expires: 1, createdAt: 1, createdBy: 'cli', updatedAt: -1 };
    expect(decode(CommandRecord, record)).toEqual({ ok: false, reason: '"updatedAt" must be >= 0' });
  });

  it('checks a command against the catalogue entry of the device kind', () => {
    expect(checkCommand('speaker', 'volume', { level: 50 })).toEqual({ ok: true, value: { type: 'volume', args: { level: 50 } } });
    expect(checkCommand('speaker', 'play', { url: 'https://radio.example/live.mp3', priority: 9 })).toMatchObject({ ok: true });
    expect(checkCommand('speaker', 'volume', { level: 150 })).toEqual({ ok: false, reason: '"args.level" must be <= 100' });
    expect(checkCommand('speaker', 'volume', {})).toEqual({ ok: false, reason: '"args.level" is required' });
    expect(checkCommand('speaker', 'volume', { level: 5, loud: true })).toEqual({ ok: false, reason: '"args.loud" is not allowed' });
    expect(checkCommand('speaker', 'stop', 'now')).toEqual({ ok: false, reason: '"args" must be object' });
    expect(checkCommand('speaker', 'play', { url: 'file:///etc/passwd' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^"args.url" must match pattern/) });
    expect(checkCommand('speaker', 'dance', {})).toEqual({ ok: false, reason: '"type" must be one of "play", "stop", "volume" for a speaker' });
    expect(checkCommand('air', 'volume', { level: 5 })).toEqual({ ok: false, reason: '"type": an air takes no commands' });
  });

  it('stays browser-safe: nothing but TypeBox and its own files is imported', () => {
    const dir = new URL('../src/contracts/', import.meta.url);
    for (const file of [...readdirSync(dir).map((f) => new URL(f, dir)), new URL('../src/catalogue.ts', import.meta.url)]) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => !/^((@sinclair\/)?typebox(\/\w+)?|\.\.?\/[\w./-]+)$/.test(i!)), String(file)).toEqual([]);
    }
  });
});
