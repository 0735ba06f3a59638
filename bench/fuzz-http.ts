/**
 * HTTP fuzzing at length (`npx ioc bench fuzz-http [--runs N] [--seed N]`): every operation of the dashboard's
 * OpenAPI document for N requests (default 2,000 each) against a dashboard on a real port (bench/fuzz/http.ts), one
 * JSON line per operation, then the summary with the cases run and the failures found (5xx, or a 4xx without the
 * error envelope; the target is 0). `npm test` runs it briefly (ioc-dashboard/test/http-fuzz.test.ts). A failure
 * prints its seed and counterexample, so `--seed` replays it; the exit code is 1 when anything failed.
 */
import { line, option } from './common.ts';
import { fuzzOperation } from './fuzz/http.ts';
import { openHttpFuzzTarget } from './fuzz/http-target.ts';

const runs = option('runs', 2000);
const seed = option('seed', Date.now() % 2 ** 31, 0);
const target = await openHttpFuzzTarget();
let cases = 0;
let failures = 0;
const started = performance.now();
try {
  for (const op of target.operations) {
    const t0 = performance.now();
    const outcome = await fuzzOperation(target, op, runs, seed);
    cases += outcome.cases;
    failures += outcome.failures;
    line({ ...outcome, seed, cases_per_s: Math.round(outcome.cases / ((performance.now() - t0) / 1000)) });
  }
} finally {
  await target.close();
}
line({ summary: 'fuzz-http', operations: target.operations.length, cases, failures, seed, duration_s: Math.round((performance.now() - started) / 100) / 10, target_failures: 0 });
process.exitCode = failures === 0 ? 0 : 1;
