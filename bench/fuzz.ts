/**
 * Fuzzing at length (`npx ioc bench fuzz [--runs N] [--seed N]`): every bus-message decoder of fuzz/decoders.ts for N
 * cases (default 200,000 each), one JSON line per decoder, then the summary with the cases run and the crashes
 * found (the target is 0). `npm test` runs the same properties briefly (test/fuzz.test.ts). A failure prints its
 * seed and counterexample, so `--seed` replays it; the exit code is 1 when anything failed.
 */
import { line, option } from './common.ts';
import { FUZZ_TARGETS, runFuzzTarget } from './fuzz/decoders.ts';

const runs = option('runs', 200_000);
const seed = option('seed', Date.now() % 2 ** 31, 0);
let cases = 0;
let crashes = 0;
const started = performance.now();
for (const target of FUZZ_TARGETS) {
  const t0 = performance.now();
  const outcome = runFuzzTarget(target, runs, seed);
  cases += outcome.cases;
  crashes += outcome.failures;
  line({ ...outcome, seed, cases_per_s: Math.round(outcome.cases / ((performance.now() - t0) / 1000)) });
}
line({ summary: 'fuzz', targets: FUZZ_TARGETS.length, cases, crashes, seed, duration_s: Math.round((performance.now() - started) / 100) / 10, target_crashes: 0 });
process.exitCode = crashes === 0 ? 0 : 1;
