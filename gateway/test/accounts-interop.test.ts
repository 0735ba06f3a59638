import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttAccount } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }));
  });
}

const mosquittoSub = requireBinary('mosquitto-clients', 'mosquitto_sub');
const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

describe.skipIf(!mosquittoSub || !mosquittoPub)('integration and admin accounts with Debian mosquitto clients', () => {
  let f: GatewayFixture;
  let frigate: string;
  let ops: string;
  beforeAll(async () => {
    f = await startGatewayFixture();
    frigate = (await createMqttAccount(f.db, { name: 'frigate', role: 'integration', topicRoot: 'frigate' })).token;
    ops = (await createMqttAccount(f.db, { name: 'ops', role: 'admin' })).token;
  });
  afterAll(() => f.close());

  const common = () => ['-h', '127.0.0.1', '-p', String(f.gateway.port), '-V', 'mqttv311'];

  it('lets an integration publish into its tree (read back by a service) and denies it "#"', async () => {
    const published = await run(mosquittoPub as string, [...common(), '-I', 'int:frigate/', '-u', 'int:frigate', '-P', frigate, '-t', 'frigate/events', '-m', '{"type":"new"}', '-q', '1', '-r']);
    expect(published).toEqual({ code: 0, output: '' });
    const service = await serviceLogin(f.url, 'frigate-reader');
    const got = new Promise<string>((resolve) => service.on('message', (_topic, payload) => resolve(payload.toString())));
    await service.subscribeAsync('frigate/#', { qos: 1 });
    expect(await got).toBe('{"type":"new"}');
    await service.endAsync();

    const denied = await run(mosquittoSub as string, [...common(), '-I', 'int:frigate/', '-u', 'int:frigate', '-P', frigate, '-t', '#', '-C', '1', '-W', '5']);
    expect(denied).toEqual({ code: 0, output: 'All subscription requests were denied.\n' }); // mosquitto_sub's words for SUBACK 128
  });

  it('lets an admin read $SYS and refuses a wrong account token', async () => {
    const sys = await run(mosquittoSub as string, [...common(), '-I', 'admin:ops/', '-u', 'admin:ops', '-P', ops, '-t', '$SYS/#', '-C', '1', '-W', '12']);
    expect(sys.code).toBe(0);
    expect(sys.output.length).toBeGreaterThan(0);
    const refused = await run(mosquittoSub as string, [...common(), '-I', 'admin:ops/', '-u', 'admin:ops', '-P', frigate, '-t', '$SYS/#', '-C', '1', '-W', '5']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/not authori[sz]ed|bad user ?name or password/i);
  });
});
