import { buildFleet, createSimEngine, groundTruth, JITTER, loadFleetFile, loadScenarioFile, planScenario, STORM_SCENARIO_FILE, type GroundTruth } from '@ioc/device-sim';
import { createEnvDetector, type EnvAlarm, ENVIRONMENT_KINDS, type EnvReading, loadNoveltyModel, loadStationModels, NOT_SCORED_METRICS } from '@ioc/analytics';
import { createReportSchedule } from './report-schedule.ts';

const ENVIRONMENT = new Set<string>(ENVIRONMENT_KINDS);
const EPISODES = new Set(['pollution', 'flood']);
const WEEK_MS = 7 * 24 * 3600_000;
const LEARNING_MS = 24 * 3600_000;
/** How often the service checks for silent stations (its default silenceCheckMs). */
const SILENCE_CHECK_MS = 60_000;

export interface ScenarioEvaluationOptions {
  /** Default: device-sim/scenarios/storm.yaml. */
  scenarioFile?: string;
  /** Default: the simulator's default fleet (device-sim/fleets/hue.yaml). */
  fleetFile?: string;
  seed?: number;
  /**
   * Normal data before the scenario starts, simulated ms (default 36 h, at least a day): its first 24 h are the
   * detectors' learning period and not scored; the rest is scored for false alarms like the scenario.
   */
  warmupMs?: number;
  /** An alarm up to this long after an incident ends still counts as its detection (default 30 min). */
  graceMs?: number;
}

interface Alarm {
  device: string;
  metric: string;
  ts: number;
  label: EnvAlarm['label'];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};

/**
 * Plays the simulator's scenario (its fleet, incidents and ground truth) through the analytics pipeline offline —
 * the environment detector (env/env-detector.ts), exactly as the service runs it — and scores the raised alarms against
 * the ground truth of the environment devices at event level.
 */
export async function evaluateScenario(options: ScenarioEvaluationOptions = {}) {
  const { seed = 1, warmupMs = 36 * 3600_000, graceMs = 30 * 60_000 } = options;
  const fleet = buildFleet(loadFleetFile(options.fleetFile)).filter((d) => ENVIRONMENT.has(d.kind));
  const spec = loadScenarioFile(options.scenarioFile ?? STORM_SCENARIO_FILE);
  const startAt = Date.UTC(2026, 0, 15, 0, 0);
  const plan = planScenario(spec, fleet, { seed, startAt });
  const engine = createSimEngine(plan, seed);
  const truth = groundTruth(plan, fleet).filter((t) => ENVIRONMENT.has(t.kind) && t.type !== 'network_cut');

  const model = await loadNoveltyModel();
  const stationModels = await loadStationModels();
  const alarms: Alarm[] = [];
  const keep = (alarm: EnvAlarm) => {
    if (alarm.state === 'raised') alarms.push({ device: alarm.deviceId, metric: alarm.metric, ts: alarm.ts, label: alarm.label });
  };
  try {
    const detector = createEnvDetector(model, stationModels, { weatherNovelty: false });
    for (const device of fleet) detector.place(device.id, device.kind, { lat: device.lat, lon: device.lon });
    // Every device reports at its own jittered interval, as the simulator's devices do; a round gathers the reports
    // of a few seconds (shorter than any interval, so each stream at most once), as the service batches them.
    const schedule = createReportSchedule(fleet, seed, startAt - warmupMs);
    const roundMs = (Math.min(...fleet.map((d) => d.intervalMs)) * (1 - JITTER)) / 2;
    let nextSilenceCheck = startAt - warmupMs + SILENCE_CHECK_MS;
    for (let until = startAt - warmupMs + roundMs; until < plan.endAt + roundMs; until += roundMs) {
      const readings: EnvReading[] = [];
      for (const { device, ts } of schedule.due(Math.min(until, plan.endAt))) {
        const reading = engine.reading(device, ts);
        if (!reading || engine.offline(device.id, ts)) continue;
        for (const [metric, value] of Object.entries(reading)) {
          if (!NOT_SCORED_METRICS.includes(metric)) readings.push({ deviceId: device.id, kind: device.kind, metric, ts, value });
        }
      }
      (await detector.score(readings)).alarms.forEach(keep);
      if (until >= nextSilenceCheck) {
        detector.checkSilence(until).forEach(keep);
        nextSilenceCheck += SILENCE_CHECK_MS;
      }
    }
  } finally {
    await model.close();
    for (const stationModel of stationModels.values()) await stationModel.close();
  }
  // The first day teaches the detectors the daily cycle (the first morning rush is new to them): not scored.
  const scoredFrom = startAt - warmupMs + LEARNING_MS;
  const scored = alarms.filter((a) => a.ts >= scoredFrom);
  return score(truth, scored, { devices: fleet.length, spanMs: plan.endAt - scoredFrom, startAt, graceMs, scenario: plan.name, intervalsS: Object.fromEntries(fleet.map((d) => [d.kind, d.intervalMs / 1000])) });
}

function score(truth: GroundTruth[], alarms: Alarm[], context: { devices: number; spanMs: number; startAt: number; graceMs: number; scenario: string; intervalsS: Record<string, number> }) {
  const matches = (t: GroundTruth, a: Alarm) => a.device === t.device && a.ts >= t.start && a.ts <= t.end + context.graceMs;
  const trueAlarms = alarms.filter((a) => truth.some((t) => matches(t, a)));
  const detected = truth.map((t) => ({ t, first: alarms.filter((a) => matches(t, a)).sort((a, b) => a.ts - b.ts)[0] }));
  const found = detected.filter((d) => d.first);
  const precision = alarms.length ? trueAlarms.length / alarms.length : 0;
  const recall = truth.length ? found.length / truth.length : 0;
  const byType: Record<string, { events: number; detected: number }> = {};
  for (const { t, first } of detected) {
    const entry = (byType[t.type] ??= { events: 0, detected: 0 });
    entry.events++;
    if (first) entry.detected++;
  }
  const labelled = found.filter(({ t, first }) => first!.label === (EPISODES.has(t.type) ? 'episode' : 'sensor_fault'));
  return {
    scenario: context.scenario,
    devices: context.devices,
    events: truth.length,
    alarms: alarms.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    false_alarms_per_device_week: (alarms.length - trueAlarms.length) / context.devices / (context.spanMs / WEEK_MS),
    median_delay_s: median(found.map(({ t, first }) => Math.max(0, first!.ts - t.start) / 1000)),
    label_accuracy: found.length ? labelled.length / found.length : null,
    recall_by_type: Object.fromEntries(Object.entries(byType).map(([type, { events, detected: hits }]) => [type, hits / events])),
    report_interval_s: context.intervalsS,
    missed: detected.filter((d) => !d.first).map(({ t }) => `${t.type} ${t.device}`),
    // Simulated seconds from the scenario's start (negative: in the normal day before it).
    false_alarms: alarms.filter((a) => !trueAlarms.includes(a)).map((a) => `${a.label} ${a.device}/${a.metric} ${Math.round((a.ts - context.startAt) / 1000)}s`),
    wrong_labels: found.filter((d) => !labelled.includes(d)).map(({ t, first }) => `${t.type} ${t.device}: ${first!.label} ${first!.metric}`),
  };
}
