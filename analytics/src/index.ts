export { evaluateNabResults, labelledFiles, summarise, type NabEvaluation, type NabEvaluationOptions } from './nab/evaluate.ts';
export { nabReport, NAB_PROFILES, type ProfileResult, type ScoredFile } from './nab/report.ts';
export { readNabCsv, readLabels, listDataFiles, parseNabTime } from './nab/dataset.ts';
export type { Counts, CostMatrix } from './nab/sweep.ts';
export { evaluateNabDetector, DETECTOR_NAME } from './nab/run-detector.ts';
export { loadNoveltyModel, ENV_NOVELTY_MODEL, type NoveltyModel, type NoveltyInput, type NoveltyOutput } from './env/novelty-model.ts';
export { createSeriesDetector, DEFAULT_DETECTOR_OPTIONS, type DetectorOptions, type SeriesDetector, type SeriesScore } from './env/series-detector.ts';
export { createAnalyticsService, ENV_MODEL_NAME, ENVIRONMENT_KINDS, ANOMALY_METRIC_SUFFIX, type AnalyticsDeps, type AnalyticsService, type AnomalyEvent } from './service.ts';
export { createHysteresis, DEFAULT_HYSTERESIS, type HysteresisOptions, type Transition } from './env/hysteresis.ts';
