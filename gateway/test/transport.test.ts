import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { announceCredentialChange, createMqttConnect, listAuditEvents, revokeDeviceToken } from '@ioc/core';
import { requireBinary, tempDir } from '@ioc/core/testing';
import { createTestPki, type TestPki } from './certificates.ts';
import { collect, connect, serviceLogin, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const openssl = requireBinary('openssl', 'openssl');
const mosquittoSub = requireBinary('mosquitto-clients', 'mosquitto_sub');

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe.skipIf(!openssl)('gateway listeners: TLS, mutual TLS and WebSocket', () => {
  const dir = tempDir('ioc-gw-tls-');
  let pki: TestPki;
  let f: GatewayFixture;
  let token: string;
  let revoked: { cert: string; key: string };
  const telemetry = 'ioc/v1/devices/air-tls-1/telemetry';

  beforeAll(async () => {
    pki = createTestPki(openssl as string, dir.path);
    // A certificate the CA revoked before the gateway started: its revocation list lists it.
    revoked = pki.client('air-tls-crl');
    pki.revoke(revoked.cert);
    f = await startGatewayFixture({
      env: {
        IOC_MQTTS_PORT: '0',
        IOC_TLS_CERT: pki.serverCert,
        IOC_TLS_KEY: pki.serverKey,
        IOC_TLS_CA: pki.ca,
        IOC_TLS_CRL: pki.crl,
        IOC_MQTT_WS_PORT: '0',
      },
    });
    token = await f.addDevice('air-tls-1');
    await f.addDevice('air-tls-2');
    await f.addDevice('air-tls-crl');
  });
  afterAll(async () => {
    await f.close();
    dir.remove();
  });

  const tlsUrl = () => `mqtts://127.0.0.1:${f.gateway.tlsPort}`;
  const ca = () => readFileSync(pki.ca);

  it('binds every listener on its own ephemeral port and reports them in health()', () => {
    const { port, tlsPort, wsPort } = f.gateway;
    expect(new Set([port, tlsPort, wsPort]).size).toBe(3);
    expect(f.gateway.health()).toMatchObject({ port, tlsPort, wsPort });
  });

  it('carries token logins over TLS, verified against the CA', async () => {
    const service = await connect(tlsUrl(), { username: 'svc:tls', password: SERVICE_TOKEN, ca: ca() });
    const received = collect(service);
    await service.subscribeAsync(telemetry, { qos: 1 });
    const device = await connect(tlsUrl(), { username: 'air-tls-1', password: token, ca: ca() });
    await device.publishAsync(telemetry, '{"metrics":{"pm25":3}}', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('{"metrics":{"pm25":3}}'));
    await Promise.all([device.endAsync(), service.endAsync()]);
  });

  it('logs a device in by its client certificate CN, without a token', async () => {
    const { cert, key } = pki.client('air-tls-2');
    // Its client id is the device's, as with a token (client-ids.ts): another id is refused after the login.
    await expect(connect(tlsUrl(), { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: 'air-tls-1' })).rejects.toThrow(
      /identifier rejected/i,
    );
    const device = await connect(tlsUrl(), { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: 'air-tls-2' });
    await device.publishAsync('ioc/v1/devices/air-tls-2/telemetry', '{"metrics":{"pm25":4}}', { qos: 1 });
    // The certificate's identity is the device's: it may not write as another device.
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(telemetry, '{"metrics":{"pm25":5}}', { qos: 1 });
    await closed;
    device.end(true);
  });

  it('refuses certificates of unknown devices, of another CA, and a username that is not the CN', async () => {
    const unknown = pki.client('air-unknown-9');
    await expect(connect(tlsUrl(), { ca: ca(), cert: readFileSync(unknown.cert), key: readFileSync(unknown.key) })).rejects.toThrow(/not authori[sz]ed/i);
    const mismatch = pki.client('air-tls-2');
    await expect(
      connect(tlsUrl(), { ca: ca(), cert: readFileSync(mismatch.cert), key: readFileSync(mismatch.key), username: 'air-tls-1' }),
    ).rejects.toThrow(/not authori[sz]ed/i);
    // A certificate the CA did not sign proves nothing: the client must then log in with a token like anyone else.
    const rogue = pki.rogueClient('air-tls-1');
    await expect(connect(tlsUrl(), { ca: ca(), cert: readFileSync(rogue.cert), key: readFileSync(rogue.key) })).rejects.toThrow(
      /bad user ?name or password/i,
    );
    const reasons = f.logLines().map((line) => line.reason);
    expect(reasons).toEqual(expect.arrayContaining(['unknown device', 'username "air-tls-1" is not the certificate\'s CN']));
  });

  it('logs a device in by certificate while someone guesses its token from the same address', async () => {
    for (let i = 0; i < 8; i++) {
      await expect(connect(tlsUrl(), { ca: ca(), username: 'air-tls-2', password: `guess-${i}`, clientId: 'air-tls-2' })).rejects.toThrow();
    }
    await expect(connect(tlsUrl(), { ca: ca(), username: 'air-tls-2', password: 'guess', clientId: 'air-tls-2' })).rejects.toThrow(/not authori[sz]ed/i);
    const { cert, key } = pki.client('air-tls-2');
    (await connect(tlsUrl(), { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: 'air-tls-2' })).end(true);
  });

  it('reads certificate logins through the credential cache and closes them when the device is disabled', async () => {
    await f.addDevice('air-tls-3');
    const { cert, key } = pki.client('air-tls-3');
    const options = { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: 'air-tls-3' };
    (await connect(tlsUrl(), options)).end(true);
    // Disabled behind the IOC's back (no announcement): the cached entry still admits the certificate.
    await f.db.query("UPDATE devices SET enabled = false WHERE id = 'air-tls-3'");
    const device = await connect(tlsUrl(), options);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // Announced, as the API and CLI do: the connection is closed and the next login reads the registry.
    const mqttConnect = createMqttConnect({ mqttUrl: f.url, serviceToken: SERVICE_TOKEN });
    await announceCredentialChange(mqttConnect, 'transport-test', { username: 'air-tls-3', change: 'disabled', ts: Date.now() });
    await closed;
    device.end(true);
    await expect(connect(tlsUrl(), options)).rejects.toThrow(/not authori[sz]ed/i);
    await vi.waitFor(async () => {
      const failures = await listAuditEvents(f.db, { action: 'mqtt.auth_failure', subject: 'air-tls-3' });
      expect(failures.map((event) => event.detail.reason)).toContain('device disabled');
    });
  });

  it('refuses a device revoked in the registry, a certificate in the CRL, and one not for client authentication', async () => {
    const options = (cn: string, clientAuth = true) => {
      const { cert, key } = pki.client(cn, { clientAuth });
      return { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: cn };
    };
    await f.addDevice('air-tls-4');
    (await connect(tlsUrl(), options('air-tls-4'))).end(true);
    // Revoked through the registry: no token works, and its certificate no longer does either.
    await revokeDeviceToken(f.db, 'air-tls-4');
    await announceCredentialChange(createMqttConnect({ mqttUrl: f.url, serviceToken: SERVICE_TOKEN }), 'transport-test', {
      username: 'air-tls-4',
      change: 'revoked',
      ts: Date.now(),
    });
    await expect(connect(tlsUrl(), options('air-tls-4'))).rejects.toThrow(/not authori[sz]ed/i);
    await expect(
      connect(tlsUrl(), { ca: ca(), cert: readFileSync(revoked.cert), key: readFileSync(revoked.key), clientId: 'air-tls-crl' }),
    ).rejects.toThrow(/not authori[sz]ed/i);
    await f.addDevice('air-tls-5');
    await expect(connect(tlsUrl(), options('air-tls-5', false))).rejects.toThrow(/not authori[sz]ed/i);
    await vi.waitFor(async () => {
      const failures = await listAuditEvents(f.db, { action: 'mqtt.auth_failure' });
      expect(failures.map((event) => [event.actor, event.detail.reason])).toEqual(
        expect.arrayContaining([
          ['air-tls-4', 'device revoked'],
          ['air-tls-crl', 'certificate revoked (IOC_TLS_CRL)'],
          ['air-tls-5', 'the certificate is not for client authentication (extended key usage clientAuth)'],
        ]),
      );
    });
  });

  it('reads the revocation list again when it changes: a certificate revoked while the gateway runs is refused', async () => {
    await f.addDevice('air-tls-6');
    const { cert, key } = pki.client('air-tls-6');
    const options = { ca: ca(), cert: readFileSync(cert), key: readFileSync(key), clientId: 'air-tls-6' };
    (await connect(tlsUrl(), options)).end(true);
    pki.revoke(cert);
    await vi.waitFor(
      async () => {
        const refused = await connect(tlsUrl(), options).then(
          (client) => (client.end(true), false),
          (error: Error) => /not authori[sz]ed/i.test(error.message),
        );
        expect(refused).toBe(true);
      },
      { timeout: 20_000, interval: 500 },
    );
    expect(f.logLines().filter((line) => line.certificateCn === 'air-tls-6').map((line) => line.reason)).toContain('certificate revoked (IOC_TLS_CRL)');
  }, 30_000);

  it('survives a plain-MQTT client and garbage on the TLS port', async () => {
    // A plain CONNECT is no TLS ClientHello: that socket is dropped, the listener goes on.
    const plain = netConnect(f.gateway.tlsPort as number, '127.0.0.1');
    plain.on('error', () => {});
    const plainClosed = new Promise<void>((resolve) => plain.once('close', () => resolve()));
    plain.write(Buffer.from('101000044d5154540402003c0004746573740000', 'hex'));
    await plainClosed;
    // Inside TLS, bytes that are no MQTT close that connection only.
    const socket = tlsConnect({ port: f.gateway.tlsPort as number, host: '127.0.0.1', ca: ca() });
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x00]));
    await closed;
    const device = await connect(tlsUrl(), { username: 'air-tls-1', password: token, ca: ca() });
    await device.endAsync();
    expect(f.gateway.health()).toMatchObject({ status: 'ok' });
  });

  it('carries MQTT over WebSocket', async () => {
    const wsUrl = `ws://127.0.0.1:${f.gateway.wsPort}/mqtt`;
    const service = await connect(wsUrl, { username: 'svc:ws', password: SERVICE_TOKEN });
    const received = collect(service);
    await service.subscribeAsync(telemetry, { qos: 1 });
    const device = await connect(wsUrl, { username: 'air-tls-1', password: token });
    await device.publishAsync(telemetry, '{"metrics":{"pm25":6}}', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('{"metrics":{"pm25":6}}'));
    await expect(connect(wsUrl, { username: 'air-tls-1', password: 'wrong' })).rejects.toThrow(/bad user ?name or password/i);
    await Promise.all([device.endAsync(), service.endAsync()]);
    const plainHttp = await fetch(`http://127.0.0.1:${f.gateway.wsPort}/`);
    expect(plainHttp.status).toBe(426);
  });

  it.skipIf(!mosquittoSub)('serves mosquitto_sub over TLS with the CA file', async () => {
    const service = await serviceLogin(f.url, 'tls-pub');
    const sub = run(mosquittoSub as string, ['-h', '127.0.0.1', '-p', String(f.gateway.tlsPort), '--cafile', pki.ca, '-V', 'mqttv311',
      '-I', 'svc:mosq/', '-u', 'svc:mosq', '-P', SERVICE_TOKEN, '-t', 'ioc/v1/tls-check', '-C', '1', '-W', '8']);
    // mosquitto_sub needs a moment to subscribe; publish retained so it gets the message whenever it arrives.
    await service.publishAsync('ioc/v1/tls-check', 'over-tls', { qos: 1, retain: true });
    expect(await sub).toEqual({ code: 0, output: 'over-tls\n' });
    await service.endAsync();
  });
});
