import { execFile } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { createGatewayService } from '@ioc/gateway';
import { collect, connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

describe('gateway robustness', () => {
  let f: GatewayFixture;
  let token: string;
  beforeAll(async () => {
    f = await startGatewayFixture();
    token = await f.addDevice('air-rob-1');
  });
  afterAll(() => f.close());

  it('survives garbage bytes on its TCP port', async () => {
    const socket = tcpConnect(f.gateway.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage \x10\x7f\x7f\x7f\x7f'));
    await closed;
    const device = await connect(f.url, { username: 'air-rob-1', password: token });
    expect(device.connected).toBe(true);
    await device.endAsync();
    expect(f.gateway.health()).toMatchObject({ status: 'ok' });
  });

  it('fails to start with a clear message when its port is taken', async () => {
    const second = createGatewayService({ config: { ...f.config, mqttPort: f.gateway.port }, logger: createLogger({ level: 'silent' }), db: f.db });
    await expect(second.start()).rejects.toThrow(`the MQTT gateway cannot listen on port ${f.gateway.port}: listen EADDRINUSE`);
    expect(second.health()).toMatchObject({ status: 'down' });
  });

  describe.skipIf(!mosquittoPub)('with Debian mosquitto_pub', () => {
    const topic = 'ioc/v1/devices/air-rob-1/telemetry';
    const pub = (version: string, password: string, message: string) =>
      run(mosquittoPub as string, ['-h', '127.0.0.1', '-p', String(f.gateway.port), '-V', version, '-q', '1',
        '-i', 'air-rob-1', '-u', 'air-rob-1', '-P', password, '-t', topic, '-m', message]);

    it('publishes with a device token over MQTT 3.1.1 and is refused with a wrong one', async () => {
      const service = await serviceLogin(f.url, 'rob-watcher');
      const received = collect(service);
      await service.subscribeAsync(topic, { qos: 1 });

      expect(await pub('mqttv311', token, '{"metrics":{"pm25":12}}')).toEqual({ code: 0, output: '' });
      const refused = await pub('mqttv311', 'wrong-token', '{"metrics":{"pm25":13}}');
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/not authori[sz]ed|bad user ?name or password/i);

      await service.publishAsync(topic, 'sentinel', { qos: 1 });
      await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('sentinel'));
      expect(received.map((m) => m.text)).toEqual(['{"metrics":{"pm25":12}}', 'sentinel']);
      await service.endAsync();
    });

    it('refuses MQTT 5 clearly, since aedes 1.x speaks MQTT 3.1/3.1.1 only', async () => {
      const result = await pub('mqttv5', token, '{"metrics":{"pm25":14}}');
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/unsupported protocol version/i);
      expect(f.gateway.health()).toMatchObject({ status: 'ok' });
    });
  });
});
