// The HTTP fuzzer of bench/fuzz/http.ts, briefly: every operation of the OpenAPI document, a bounded number of
// requests each. `npx ioc bench fuzz-http` runs it at length.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzOperation } from '../../bench/fuzz/http.ts';
import { openHttpFuzzTarget, type OpenedHttpFuzzTarget } from '../../bench/fuzz/http-target.ts';

/** Requests per operation in `npm test`; the bench runs thousands. */
const RUNS = Number(process.env.IOC_FUZZ_HTTP_RUNS ?? 25);
const SEED = Number(process.env.IOC_FUZZ_SEED ?? Date.now() % 2 ** 31);

describe(`the HTTP API under fuzzing (${RUNS} requests per operation, seed ${SEED})`, () => {
  let target: OpenedHttpFuzzTarget;
  beforeAll(async () => {
    target = await openHttpFuzzTarget();
  });
  afterAll(() => target.close());

  it('covers every operation of the OpenAPI document, never answers 5xx, and answers every 4xx with the error envelope', async () => {
    expect(target.operations.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const op of target.operations) {
      const outcome = await fuzzOperation(target, op, RUNS, SEED);
      if (outcome.failures) failures.push(`${outcome.target}: ${outcome.error} with ${outcome.counterexample}`);
      else expect(outcome.cases, outcome.target).toBe(RUNS);
    }
    expect(failures, `replay with IOC_FUZZ_SEED=${SEED}`).toEqual([]);
  }, 600_000);
});
