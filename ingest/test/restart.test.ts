import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startIngestFixture, type IngestFixture } from './fixture.ts';

const MESSAGES = 1700;
/** Published while ingest is away: the broker sends them all right after the next CONNACK. */
const QUEUED = 1500;

describe('ingest restarting mid-stream', () => {
  let f: IngestFixture;
  beforeAll(async () => {
    f = await startIngestFixture();
  });
  afterAll(() => f.close());

  it('loses nothing: the broker keeps QoS 1 telemetry for the persistent session while ingest is away', async () => {
    const device = await f.device('air-restart-1');
    const topic = 'ioc/v1/devices/air-restart-1/telemetry';
    const t0 = Date.now() - 60_000;
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await device.publishAsync(topic, JSON.stringify({ ts: t0 + i, metrics: { pm25: i % 1000, rh: 50 } }), { qos: 1 });
      }
    };
    await publish(0, 100);
    await vi.waitFor(async () => expect((await f.ingest.health()).received).toBeGreaterThan(0), { timeout: 10_000 });
    // Published while no ingest runs: held by the broker for the session, delivered to the next ingest.
    await f.restartIngest(() => publish(100, 100 + QUEUED));
    await publish(100 + QUEUED, MESSAGES);

    await vi.waitFor(
      async () => {
        const points = await f.telemetry.range({ deviceId: 'air-restart-1', metric: 'pm25', from: t0, to: t0 + MESSAGES });
        expect(points).toHaveLength(MESSAGES);
      },
      { timeout: 20_000, interval: 200 },
    );
    const points = await f.telemetry.range({ deviceId: 'air-restart-1', metric: 'pm25', from: t0, to: t0 + MESSAGES });
    expect(points.map((p) => p.value)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i % 1000));
  });
});
