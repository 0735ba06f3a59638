import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzMqtt, startFuzzGateway, type FuzzGateway } from '../../bench/fuzz/mqtt.ts';

/** Cases in `npm test` (about ten seconds); `npx ioc bench fuzz-mqtt` runs thousands. */
const CASES = Number(process.env.IOC_FUZZ_MQTT_CASES ?? 300);
const SEED = Number(process.env.IOC_FUZZ_SEED ?? Date.now() % 2 ** 31);

describe(`MQTT gateway under packet fuzzing (${CASES} cases, seed ${SEED})`, () => {
  let target: FuzzGateway;
  beforeAll(async () => {
    target = await startFuzzGateway();
  });
  afterAll(() => target.close());

  it('never crashes, keeps a device publishing to a service without loss, and does not grow its heap beyond a bound', async () => {
    const outcome = await fuzzMqtt(target, CASES, SEED);
    expect(outcome.error ?? null, `counterexample ${outcome.counterexample} (replay with IOC_FUZZ_SEED=${SEED})`).toBeNull();
    expect(outcome).toMatchObject({ cases: CASES, crashes: 0, lost: 0 });
    expect(outcome.published).toBeGreaterThan(0);
    expect(outcome.heap_growth_mb).toBeLessThan(32);
  }, 180_000);
});
