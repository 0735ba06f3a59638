import { createConsensus, DEFAULT_CONSENSUS, type ConsensusOptions } from './consensus.ts';
import { createDailyRange, DEFAULT_DAILY_RANGE, type DailyRangeOptions } from './daily-range.ts';
import { createHysteresis, DEFAULT_HYSTERESIS, type HysteresisOptions } from './hysteresis.ts';
import type { NoveltyModel } from './novelty-model.ts';
import { createSeriesDetector, type DetectorOptions } from './series-detector.ts';
import { createSilenceWatch, DEFAULT_SILENCE, type SilenceOptions } from './silence-watch.ts';
import { createRelabel } from './relabel.ts';
import type { Place } from './spatial.ts';
import type { StationModel } from './station-model.ts';
import { judgeStation, DEFAULT_JUDGEMENT, type Judgement, type JudgementOptions, type StreamEvidence } from './station-judgement.ts';
import { createStationNormaliser, transformValue } from './station-normaliser.ts';
import { WEATHER_METRICS } from './scored-metrics.ts';
import { createStreamSteps, DEFAULT_STEP_MS } from './stream-steps.ts';
import { createStuckWatch } from './stuck-watch.ts';

/** Names the detector in anomaly events: per-stream novelty, multivariate station models, space and silence. */
export const ENV_MODEL_NAME = 'ioc-env-v2';
/** The `metric` of a dropout alarm: the station's telemetry as a whole stopped. */
export const DROPOUT_METRIC = 'telemetry';

export interface EnvReading {
  deviceId: string;
  kind: string;
  metric: string;
  ts: number;
  value: number;
}

export interface EnvAlarm {
  deviceId: string;
  kind: string;
  metric: string;
  label: Judgement['label'];
  score: number;
  threshold: number;
  state: 'raised' | 'cleared';
  ts: number;
}

export interface EnvDetectorOptions {
  detector?: Partial<DetectorOptions>;
  consensus?: ConsensusOptions;
  dailyRange?: DailyRangeOptions;
  judgement?: JudgementOptions;
  hysteresis?: HysteresisOptions;
  silence?: SilenceOptions;
  /** How long after its own detector fired a stream still counts as unusual, ms. */
  unusualForMs?: number;
  /**
   * Whether weather streams (WEATHER_METRICS) go through the novelty model too (default true): no judgement reads
   * their novelty, but the service stores every stream's likelihood. The scenario evaluation, which reads alarms only,
   * skips them (a quarter of its readings, the model being most of its cost).
   */
  weatherNovelty?: boolean;
  /** Each stream is judged as one mean value per this much time, ms (stream-steps.ts; default 2 minutes). */
  stepMs?: number;
  /** Judgements in a row that must give a raised alarm another label before it is relabelled (relabel.ts; default 3). */
  relabelAfter?: number;
}

/**
 * The environment detector the service and the evaluations share. Each `score` call takes one round of readings
 * (each stream at most once, oldest first) and returns every reading's likelihood (the per-stream novelty model) and
 * the station alarms raised or cleared: one alarm per station, judged from its streams' novelty, its multivariate
 * model and its neighbours (station-judgement.ts). A station's judgement waits until its reporting neighbours have
 * caught up with its latest reading (stations report independently). `checkSilence(now)` raises dropouts.
 */
export function createEnvDetector(novelty: NoveltyModel, stationModels: ReadonlyMap<string, StationModel>, options: EnvDetectorOptions = {}) {
  const series = createSeriesDetector(novelty, options.detector);
  const normaliser = createStationNormaliser();
  const consensus = createConsensus(options.consensus ?? DEFAULT_CONSENSUS);
  const stuck = createStuckWatch();
  const dailyRange = createDailyRange(options.dailyRange ?? DEFAULT_DAILY_RANGE);
  const silence = createSilenceWatch(options.silence ?? DEFAULT_SILENCE);
  const hysteresis = createHysteresis(options.hysteresis ?? DEFAULT_HYSTERESIS);
  const judgementOptions = options.judgement ?? DEFAULT_JUDGEMENT;
  const unusualForMs = options.unusualForMs ?? 30 * 60_000;
  const novel = options.weatherNovelty === false ? (r: EnvReading) => !WEATHER_METRICS.includes(r.metric) : () => true;
  const steps = createStreamSteps(options.stepMs);
  /** A stream's rz at its previous judgement counts for a jump if it is at most this old, ms. */
  const jumpWithinMs = 3 * (options.stepMs ?? DEFAULT_STEP_MS);
  /** Per stream: its latest judgement's time and rz, and the rz of the judgement before it (if recent). */
  const judged = new Map<string, { ts: number; rz: number; previousRz?: number }>();
  const places = new Map<string, Place>();
  const lastDetection = new Map<string, number>();
  /** Per station: its latest reading time, streams and multivariate result, waiting to be judged. */
  const stations = new Map<string, { kind: string; ts: number; streams: Map<string, Omit<StreamEvidence, 'departure' | 'unusual' | 'previousRz'>>; multivariate?: { score: number; metric: string } }>();
  const undecided = new Set<string>();
  const raised = new Map<string, EnvAlarm>();
  const relabel = createRelabel(options.relabelAfter ?? 3);

  function alarm(deviceId: string, kind: string, ts: number, state: EnvAlarm['state'], judgement: Pick<EnvAlarm, 'label' | 'metric' | 'score' | 'threshold'>): EnvAlarm {
    return { deviceId, kind, metric: judgement.metric, label: judgement.label, score: judgement.score, threshold: judgement.threshold, state, ts };
  }

  function judgeIfCaughtUp(deviceId: string): EnvAlarm[] {
    if (consensus.waitingFor(deviceId, stations.get(deviceId)!.ts)) return [];
    undecided.delete(deviceId);
    return judge(deviceId);
  }

  function judge(deviceId: string): EnvAlarm[] {
    const station = stations.get(deviceId)!;
    const streams = [...station.streams.values()].map((s) => {
      const key = `${deviceId}/${s.metric}`;
      const departure = consensus.evaluate(deviceId, s.metric, station.ts);
      return { ...s, departure, unusual: station.ts - (lastDetection.get(key) ?? Number.NEGATIVE_INFINITY) <= unusualForMs, previousRz: previousRz(key, station.ts, departure?.rz) };
    });
    const judgement = judgeStation(streams, station.multivariate, (metric, sign) => consensus.sharedBy(deviceId, metric, sign, station.ts), judgementOptions);
    const change = hysteresis.update(deviceId, judgement !== undefined, judgement ? 1 : 0, station.ts);
    if (change === 'raised') {
      const event = alarm(deviceId, station.kind, station.ts, 'raised', judgement!);
      raised.set(deviceId, event);
      return [event];
    }
    const current = raised.get(deviceId);
    if (change === 'cleared') {
      raised.delete(deviceId);
      relabel.forget(deviceId);
      return [alarm(deviceId, station.kind, station.ts, 'cleared', current!)];
    }
    if (current && relabel.update(deviceId, current.label, judgement?.label)) {
      const event = alarm(deviceId, station.kind, station.ts, 'raised', judgement!);
      raised.set(deviceId, event);
      return [alarm(deviceId, station.kind, station.ts, 'cleared', current), event];
    }
    return [];
  }

  return {
    options: { detector: series.options, judgement: judgementOptions },
    place(deviceId: string, kind: string, place: Place | undefined): void {
      if (!place) return;
      places.set(deviceId, place);
      consensus.place(deviceId, kind, place);
    },
    /**
     * Scores one round of readings. Each stream is judged per step of time (`stepMs`): a reading that begins a new
     * step of its stream hands over the previous one, whose mean goes through the detector as of the step's end.
     * `likelihoods` has one entry per step scored by the novelty model (none for weather with `weatherNovelty: false`).
     */
    async score(readings: EnvReading[]) {
      const alarms: EnvAlarm[] = [];
      const stepped: EnvReading[] = [];
      for (const reading of readings) {
        const back = silence.report(reading.deviceId, reading.kind, reading.ts, places.get(reading.deviceId));
        if (back) alarms.push(alarm(reading.deviceId, reading.kind, reading.ts, 'cleared', { label: 'sensor_fault', metric: DROPOUT_METRIC, score: 1, threshold: 1 }));
        const step = steps.add(`${reading.deviceId}/${reading.metric}`, reading.ts, reading.value);
        if (step) stepped.push({ ...reading, ...step });
      }
      const novelSteps = stepped.filter(novel);
      const results = await series.push(novelSteps.map((r) => ({ key: `${r.deviceId}/${r.metric}`, value: r.value })));
      let scored = 0;
      const waitingSinceEarlier = new Set(undecided);
      for (const reading of stepped) {
        // A station still waiting for its neighbours is judged before its next reading replaces its evidence: they may
        // have caught up earlier in this round (a batch that ended between the station and its neighbours).
        if (waitingSinceEarlier.delete(reading.deviceId)) alarms.push(...judgeIfCaughtUp(reading.deviceId));
        const key = `${reading.deviceId}/${reading.metric}`;
        const detected = novel(reading) && results[scored++]!.detection;
        if (detected) lastDetection.set(key, reading.ts);
        consensus.update(reading.deviceId, reading.metric, reading.ts, normaliser.push(key, reading.metric, reading.ts, reading.value));
        let station = stations.get(reading.deviceId);
        if (!station) stations.set(reading.deviceId, (station = { kind: reading.kind, ts: reading.ts, streams: new Map() }));
        station.ts = Math.max(station.ts, reading.ts);
        const aboveDay = dailyRange.push(key, reading.ts, transformValue(reading.metric, reading.value));
        station.streams.set(reading.metric, { metric: reading.metric, stuck: stuck.push(key, reading.ts, reading.value), detected, aboveDay });
        undecided.add(reading.deviceId);
      }
      await scoreMultivariate(stepped);
      for (const deviceId of undecided) alarms.push(...judgeIfCaughtUp(deviceId));
      return {
        likelihoods: novelSteps.map((r, i) => ({ ...r, likelihood: results[i]!.likelihood, warmingUp: results[i]!.warmingUp })),
        alarms,
      };
    },
    /** Dropouts noticed by `now`: stations silent while stations around them report. */
    checkSilence(now: number): EnvAlarm[] {
      return silence.check(now).map((change) => alarm(change.deviceId, change.kind, change.ts, 'raised', { label: 'sensor_fault', metric: DROPOUT_METRIC, score: 1, threshold: 1 }));
    },
    get active(): number {
      return raised.size + silence.droppedOut;
    },
  };

  /** Notes a stream's rz judged at `ts`; returns its rz at the judgement before, if recent (a spike jumps within one step). */
  function previousRz(key: string, ts: number, rz: number | undefined): number | undefined {
    const last = judged.get(key);
    if (last && last.ts >= ts) return last.previousRz;
    const previous = last && ts - last.ts <= jumpWithinMs ? last.rz : undefined;
    if (rz === undefined) judged.delete(key);
    else judged.set(key, { ts, rz, previousRz: previous });
    return previous;
  }

  /** Runs each station model over the stations of its kind that sent every metric it reads in this round. */
  async function scoreMultivariate(readings: EnvReading[]): Promise<void> {
    for (const model of stationModels.values()) {
      const complete = [...new Set(readings.filter((r) => r.kind === model.kind).map((r) => r.deviceId))].filter((id) =>
        model.metrics.every((metric) => stations.get(id)?.streams.has(metric)),
      );
      const features = complete.map((id) => Float32Array.from(model.metrics.map((metric) => normaliser.latest(`${id}/${metric}`))));
      const outputs = await model.score(features);
      complete.forEach((id, i) => {
        const { score, shares } = outputs[i]!;
        stations.get(id)!.multivariate = { score, metric: model.metrics[shares.indexOf(Math.max(...shares))]! };
      });
    }
  }
}

export type EnvDetector = ReturnType<typeof createEnvDetector>;
