import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, loadCommonConfig } from '@ioc/core';

/** A stream keeping what the logger writes. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise, unless IOC_LOG_FORMAT says which', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat(undefined, undefined)).toBe('json');
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  it('is read from IOC_LOG_FORMAT, and a wrong value names the variable', () => {
    const base = { IOC_DATA_DIR: '/tmp/ioc-log-format' };
    expect(loadCommonConfig(base).logFormat).toBeUndefined();
    expect(loadCommonConfig({ ...base, IOC_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadCommonConfig({ ...base, IOC_LOG_FORMAT: 'yaml' })).toThrow('IOC_LOG_FORMAT: must be pretty or json, got "yaml"');
  });

  it('writes a line a person reads: time, level, [service], message, then the other fields on the line', () => {
    const out = capture();
    createLogger({ format: 'pretty', destination: out.stream }).child({ service: 'gateway' }).info({ port: 1883 }, 'listening');
    expect(out.text()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: \[gateway\] listening \{"port":1883\}\n$/);
  });

  it('writes JSON lines a machine reads', () => {
    const out = capture();
    createLogger({ format: 'json', destination: out.stream }).child({ service: 'gateway' }).info({ port: 1883 }, 'listening');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, name: 'ioc', service: 'gateway', port: 1883, msg: 'listening' });
  });
});
