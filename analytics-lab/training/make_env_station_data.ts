/**
 * Normal training data for the multivariate station models: the simulator's environment models (no incidents)
 * for a fleet placed with another seed than the default one, over three weeks of simulated weather that the
 * evaluations do not use, standardised by the same normaliser the detector runs. Writes one CSV per kind
 * (a header of metric names, then one row per station and step) into the directory given (default: the system's
 * temporary directory). make_env_station.py runs it:
 *   npx tsx analytics-lab/training/make_env_station_data.ts [DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnvironment, buildFleet, loadFleetFile, airReading, waterReading } from '@ioc/device-sim';
import { createStationNormaliser, STATION_MODEL_METRICS } from '@ioc/analytics';

const OUT = process.argv[2] ?? join(tmpdir(), 'ioc-env-station-data');
const TRAINING_FLEET_SEED = 4242;
const TRAINING_WEATHER_SEED = 77;
const START = Date.UTC(2026, 5, 1);
const DAYS = 21;
const STEP_MS = 10 * 60_000;
const WARMUP_MS = 24 * 3600_000;

const fleet = buildFleet({ ...loadFleetFile(), seed: TRAINING_FLEET_SEED });
const env = baseEnvironment(TRAINING_WEATHER_SEED, START);
const readers = { air: airReading, water: waterReading } as const;
mkdirSync(OUT, { recursive: true });
for (const [kind, metrics] of Object.entries(STATION_MODEL_METRICS)) {
  const normaliser = createStationNormaliser();
  const rows = [metrics.join(',')];
  const stations = fleet.filter((d) => d.kind === kind);
  for (let ts = START; ts < START + DAYS * 24 * 3600_000; ts += STEP_MS) {
    for (const station of stations) {
      const reading = readers[kind as keyof typeof readers](station, ts, env) as unknown as Record<string, number>;
      const row = metrics.map((metric) => normaliser.push(`${station.id}/${metric}`, metric, ts, reading[metric]!));
      if (ts >= START + WARMUP_MS) rows.push(row.map((v) => v.toFixed(4)).join(','));
    }
  }
  writeFileSync(join(OUT, `${kind}.csv`), rows.join('\n') + '\n');
  console.log(`${join(OUT, `${kind}.csv`)}: ${rows.length - 1} rows of ${metrics.length} metrics`);
}
