/**
 * The MQTT packet fuzzer at length (`npx ioc bench fuzz-mqtt [--cases N] [--seed N]`): N cases (default 10,000) of
 * fuzz/mqtt.ts against a gateway in this process while a device publishes to a service through it. Prints one JSON
 * line with the cases run, crashes found (the target is 0), the device's messages lost and the heap growth, then the
 * summary. `npm test` runs the same cases briefly (gateway/test/mqtt-fuzz.test.ts). A failure prints its seed and
 * counterexample, so `--seed` replays it; the exit code is 1 when anything failed.
 */
import { line, option } from './common.ts';
import { fuzzMqtt, startFuzzGateway } from './fuzz/mqtt.ts';

/** Heap growth from the warm-up to the end that counts as a leak. */
const HEAP_BOUND_MB = 32;

const cases = option('cases', 10_000);
const seed = option('seed', Date.now() % 2 ** 31, 0);
const started = performance.now();
const target = await startFuzzGateway();
let crashes = 0;
process.on('uncaughtException', (error) => {
  crashes++;
  line({ crash: String(error) });
});
const outcome = await fuzzMqtt(target, cases, seed);
await target.close();
crashes += outcome.crashes;
const durationS = (performance.now() - started) / 1000;
line({ ...outcome, seed, cases_per_s: Math.round(outcome.cases / durationS) });
const leaked = outcome.heap_growth_mb > HEAP_BOUND_MB;
line({
  summary: 'fuzz-mqtt',
  cases: outcome.cases,
  crashes,
  lost: outcome.lost,
  heap_growth_mb: outcome.heap_growth_mb,
  heap_bound_mb: HEAP_BOUND_MB,
  seed,
  duration_s: Math.round(durationS * 10) / 10,
  target_crashes: 0,
});
process.exitCode = crashes === 0 && outcome.lost === 0 && !leaked ? 0 : 1;
