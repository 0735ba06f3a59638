export { evaluateNabResults, labelledFiles, summarise, type NabEvaluation, type NabEvaluationOptions } from './nab/evaluate.ts';
export { nabReport, NAB_PROFILES, type ProfileResult, type ScoredFile } from './nab/report.ts';
export { readNabCsv, readLabels, listDataFiles, parseNabTime, NAB_DIR } from './nab/dataset.ts';
export type { Counts, CostMatrix } from './nab/sweep.ts';
export { evaluateNabDetector, DETECTOR_NAME } from './nab/run-detector.ts';
export { evaluateNabHoldout, HOLDOUT_THRESHOLDS } from './nab/holdout.ts';
export { evaluateScenario, type ScenarioEvaluationOptions } from './scenario/evaluate.ts';
export { startSimFootage, timeWithDarkness, type SimFootage } from './camera/sim-footage.ts';
export { evaluateCameraHealth, type CameraEvaluationOptions } from './camera/evaluate.ts';
