// Canaries: one per private part of aedes and its packages that gateway/src/aedes-internals.ts touches, each on a
// real broker and real clients. An upgrade that moves one fails here, by name, instead of in the field.
import { createServer, type AddressInfo, type Server } from 'node:net';
import mqtt from 'mqtt';
import { Aedes, type Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { copyQueuedPacket, emitterBacklog, packetParserOf, wrapSubscriptionsByTopic } from '../src/aedes-internals.ts';
import { createSessionStore } from '../src/session-store.ts';

const started: Array<{ broker: Aedes; server: Server }> = [];

async function startBroker(options: ConstructorParameters<typeof Aedes>[0] = {}): Promise<{ broker: Aedes; url: string }> {
  const broker = new Aedes(options);
  await broker.listen();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  started.push({ broker, server });
  return { broker, url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

afterEach(async () => {
  for (const { broker, server } of started.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
});

describe('aedes internals the gateway relies on', () => {
  it("client._parser is mqtt-packet's parser with the members limits.ts hooks (packet size, UTF-8)", async () => {
    const { broker, url } = await startBroker();
    const connected = new Promise<Client>((resolve) => broker.once('client', resolve));
    const client = await mqtt.connectAsync(url, { clientId: 'canary-parser', reconnectPeriod: 0 });
    const parser = packetParserOf(await connected);
    expect(typeof parser._parseLength).toBe('function');
    expect(typeof parser._parseString).toBe('function');
    expect(typeof parser._emitError).toBe('function');
    expect(typeof parser._pos).toBe('number');
    expect(typeof parser._list.slice).toBe('function');
    expect(typeof parser.packet).toBe('object');

    // The hooks are called as the gateway expects: the length of each packet, then each string, through the parser.
    const seen: string[] = [];
    const parseLength = parser._parseLength.bind(parser);
    const parseString = parser._parseString.bind(parser);
    parser._parseLength = () => (seen.push('length'), parseLength());
    parser._parseString = () => {
      const value = parseString();
      seen.push(`string:${value}`);
      return value;
    };
    await client.publishAsync('canary/topic', 'x', { qos: 1 });
    expect(seen).toContain('length');
    expect(seen).toContain('string:canary/topic');
    await client.endAsync();
  });

  it("broker.mq.length counts the messages waiting in aedes' emitter", async () => {
    const { broker } = await startBroker();
    expect(emitterBacklog(broker)).toBe(0);
  });

  it("aedes-packet's constructor copies a packet for a session queue, its packet id left for the delivery to set", () => {
    const original = { cmd: 'publish', topic: 't', payload: Buffer.from('p'), qos: 1, retain: false, dup: false, messageId: 7, brokerId: 'b', brokerCounter: 3 };
    const copy = copyQueuedPacket(original);
    expect(copy).not.toBe(original);
    expect(copy).toMatchObject({ cmd: 'publish', topic: 't', qos: 1, brokerId: 'b', brokerCounter: 3 });
    expect(copy.messageId).toBeUndefined();
    expect(Buffer.from(copy.payload).toString()).toBe('p');
  });

  it("aedes asks the persistence's subscriptionsByTopic, on the instance it was given, whom to queue a message for", async () => {
    const { persistence } = createSessionStore();
    const asked: string[] = [];
    wrapSubscriptionsByTopic(persistence, (byTopic) => async (topic) => {
      asked.push(topic);
      return byTopic(topic);
    });
    const { url } = await startBroker({ persistence });
    const away = await mqtt.connectAsync(url, { clientId: 'canary-session', clean: false, reconnectPeriod: 0 });
    await away.subscribeAsync('canary/queued', { qos: 1 });
    await away.endAsync();
    const publisher = await mqtt.connectAsync(url, { clientId: 'canary-publisher', reconnectPeriod: 0 });
    await publisher.publishAsync('canary/queued', 'kept', { qos: 1 });
    expect(asked).toContain('canary/queued');

    const back = mqtt.connect(url, { clientId: 'canary-session', clean: false, reconnectPeriod: 0 });
    const delivered = await new Promise<string>((resolve) => back.once('message', (_topic, payload) => resolve(payload.toString())));
    expect(delivered).toBe('kept');
    await back.endAsync();
    await publisher.endAsync();
  });
});
