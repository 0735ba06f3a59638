import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A minimal MQTT 3.1.1 client on a raw socket, for load generation: a generic client library (mqtt.js) costs
 * more CPU per message than the brokers being measured, and would make the bench measure itself.
 */
export interface RawClient {
  socket: Socket;
  /** Called with each received PUBLISH: its QoS and payload (a view into the received bytes). */
  onPublish: (qos: number, payload: Buffer) => void;
  /** Called with the packet id of each PUBACK received (for our QoS 1 publishes). */
  onAck: (packetId: number) => void;
  send(bytes: Buffer): void;
  subscribe(topic: string, qos: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

const PUBLISH = 3;
const CONNACK = 2;
const PUBACK = 4;
const SUBACK = 9;

export function rawClient(port: number, clientId: string, login: { username?: string; password?: string }): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let acks: Buffer[] = [];
    const waiters = new Map<number, () => void>();
    const client: RawClient = {
      socket,
      onPublish: () => {},
      onAck: () => {},
      send: (bytes) => void socket.write(bytes),
      subscribe: (topic, qos) =>
        new Promise<void>((done) => {
          waiters.set(SUBACK, () => {
            waiters.delete(SUBACK);
            done();
          });
          socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] }));
        }),
      close: () =>
        new Promise((done) => {
          if (socket.destroyed) return done();
          socket.once('close', () => done());
          socket.end(Buffer.from([0xe0, 0x00]));
        }),
    };
    const packet = (type: number, flags: number, body: Buffer) => {
      if (type === PUBLISH) {
        const qos = (flags >> 1) & 3;
        const topicLength = body.readUInt16BE(0);
        let offset = 2 + topicLength;
        if (qos > 0) {
          acks.push(Buffer.from([0x40, 0x02, body[offset] as number, body[offset + 1] as number]));
          offset += 2;
        }
        client.onPublish(qos, body.subarray(offset));
      } else if (type === PUBACK) {
        client.onAck(body.readUInt16BE(0));
      } else {
        waiters.get(type)?.();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        if (data.length - at < 2) break;
        let length = 0;
        let multiplier = 1;
        let cursor = at + 1;
        let complete = false;
        while (cursor < data.length && cursor < at + 5) {
          const byte = data[cursor++] as number;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || data.length - cursor < length) break;
        const header = data[at] as number;
        packet(header >> 4, header & 0x0f, data.subarray(cursor, cursor + length));
        at = cursor + length;
      }
      pending = at < data.length ? Buffer.from(data.subarray(at)) : Buffer.alloc(0);
      data = pending;
      if (acks.length) {
        socket.write(Buffer.concat(acks));
        acks = [];
      }
    });
    socket.once('error', reject);
    waiters.set(CONNACK, () => {
      waiters.delete(CONNACK);
      resolve(client);
    });
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId,
        // The longest the gateway allows (it refuses 0); this client sends no pings.
        keepalive: 3600,
        username: login.username,
        password: login.password === undefined ? undefined : Buffer.from(login.password),
      }),
    );
    socket.once('close', () => reject(new Error(`connection of ${clientId} closed before CONNACK`)));
  });
}

/**
 * One PUBLISH packet (no retain, no dup), encoded by hand: mqtt-packet's generic `generate` costs the load process
 * about three times as much CPU. `topic` is the topic's UTF-8 bytes, made once per device; QoS 1 carries `messageId`.
 */
export function publishPacket(topic: Buffer, qos: 0 | 1, messageId: number, payload: Buffer | string): Buffer {
  const payloadLength = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const remaining = 2 + topic.length + (qos > 0 ? 2 : 0) + payloadLength;
  let lengthBytes = 1;
  for (let rest = remaining >> 7; rest > 0; rest >>= 7) lengthBytes++;
  const packet = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  packet[0] = 0x30 | (qos << 1);
  let at = 1;
  for (let rest = remaining; ; ) {
    const digit = rest & 0x7f;
    rest >>= 7;
    packet[at++] = rest > 0 ? digit | 0x80 : digit;
    if (rest === 0) break;
  }
  at = packet.writeUInt16BE(topic.length, at);
  at += topic.copy(packet, at);
  if (qos > 0) at = packet.writeUInt16BE(messageId, at);
  if (typeof payload === 'string') packet.write(payload, at);
  else payload.copy(packet, at);
  return packet;
}

/** `count` PUBLISH packets to `topic` at `qos`, packet ids from `firstId` (QoS 1), each payload made by `payload`. */
export function publishPackets(topic: string, qos: 0 | 1, count: number, firstId: number, payload: () => Buffer): Buffer {
  const topicBytes = Buffer.from(topic);
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) packets.push(publishPacket(topicBytes, qos, ((firstId + i) % 65535) + 1, payload()));
  return Buffer.concat(packets);
}
