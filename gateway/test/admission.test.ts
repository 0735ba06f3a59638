import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { listAuditEvents, revokeDeviceToken } from '@ioc/core';
import { connect, serviceLogin, startGatewayFixture, SERVICE_TOKEN, type GatewayFixture } from './fixture.ts';

/** A raw TCP socket to the gateway, opened; `closed` resolves when the gateway closes it, with the time it took. */
async function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = tcpConnect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const opened = Date.now();
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(Date.now() - opened))) };
}

/** The CONNACK return code for a CONNECT of service `name` asking for `keepalive` seconds (mqtt.js hides code 3). */
async function connack(port: number, name: string, keepalive = 60): Promise<number> {
  const { socket } = await rawSocket(port);
  const code = new Promise<number>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk[3] as number)));
  const username = `svc:${name}`;
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive, clientId: username, username, password: Buffer.from(SERVICE_TOKEN) }));
  const result = await code;
  socket.destroy();
  return result;
}

describe('gateway transport: idle sockets, WebSocket size, keep-alive, re-checked credentials (attack)', () => {
  let f: GatewayFixture;
  let token: string;

  beforeAll(async () => {
    f = await startGatewayFixture({
      env: { IOC_MQTT_MAX_CONNECTIONS: '3', IOC_MQTT_WS_PORT: '0', IOC_MQTT_MAX_PACKET_BYTES: '1024' },
      security: { recheckIntervalMs: 300, auditIntervalMs: 20 },
    });
    token = await f.addDevice('air-admit-1');
  });
  afterAll(() => f.close());

  it('lets a device in while idle sockets that never log in hold more than IOC_MQTT_MAX_CONNECTIONS', async () => {
    const idle = await Promise.all(Array.from({ length: 6 }, () => rawSocket(f.gateway.port)));
    const device = await connect(f.url, { clientId: 'air-admit-1', username: 'air-admit-1', password: token });
    expect(f.gateway.health()).toMatchObject({ pendingLogins: 6 });
    // The cap counts logins: with the device, two services fill it, and the next socket is closed at once.
    const services = [await serviceLogin(f.url, 'a'), await serviceLogin(f.url, 'b')];
    expect(await (await rawSocket(f.gateway.port)).closed).toBeLessThan(1000);
    await Promise.all([device.endAsync(), ...services.map((service) => service.endAsync())]);
    for (const { socket } of idle) socket.destroy();
  });

  it('closes a socket that sends no CONNECT within 10 s', async () => {
    const { closed } = await rawSocket(f.gateway.port);
    expect(await closed).toBeLessThan(12_000);
  }, 20_000);

  it('refuses a keep-alive of 0 (none) or over an hour', async () => {
    expect(await connack(f.gateway.port, 'ka', 0)).toBe(6);
    expect(await connack(f.gateway.port, 'ka', 7200)).toBe(6);
    expect(await connack(f.gateway.port, 'ka', 60)).toBe(0);
  });

  it('closes a WebSocket whose message is larger than the largest packet, as its header arrives (1009)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${f.gateway.wsPort}/mqtt`, 'mqtt');
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.send(Buffer.alloc(1024 * 1024));
    expect(await closed).toBe(1009);
  });

  it('closes an open connection whose device was revoked behind the IOC\'s back, at the next re-check', async () => {
    const device = await connect(f.url, { clientId: 'air-admit-1', username: 'air-admit-1', password: token });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    await revokeDeviceToken(f.db, 'air-admit-1'); // plain SQL through core: nothing is announced on the bus
    await closed;
    device.end(true);
    await vi.waitFor(async () =>
      expect((await listAuditEvents(f.db, { action: 'mqtt.kicked', subject: 'air-admit-1' }))[0]).toMatchObject({ detail: { change: 're-check: revoked' } }),
    );
  });
});
