import { describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, runFuzzTarget } from '../bench/fuzz/decoders.ts';

/** Cases per decoder in `npm test` (a few seconds in all); `npx ioc bench fuzz` runs hundreds of thousands. */
const RUNS = Number(process.env.IOC_FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.IOC_FUZZ_SEED ?? Date.now() % 2 ** 31);

describe(`bus-message decoders under fuzzing (${RUNS} cases each, seed ${SEED})`, () => {
  it.each(FUZZ_TARGETS.map((target) => [target.name, target] as const))('%s never throws and refuses with a reason', (_name, target) => {
    const outcome = runFuzzTarget(target, RUNS, SEED);
    expect(outcome.error ?? null, `counterexample ${outcome.counterexample} (replay with IOC_FUZZ_SEED=${SEED})`).toBeNull();
    expect(outcome.cases).toBe(RUNS);
  });
});
