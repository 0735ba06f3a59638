import { basename } from 'node:path';
import { findResultFile, listDataFiles, readLabels, readNabCsv } from './dataset.ts';
import { nabReport, type ScoredFile } from './report.ts';
import type { Counts } from './sweep.ts';

export interface NabEvaluationOptions {
  dataDir: string;
  labelsFile: string;
  /** A published detector's results directory (`<dir>/<category>/<detector>_<file>.csv` with `anomaly_score`). */
  resultsDir: string;
  /** Fixed detection threshold; without it each profile gets the threshold NAB's optimiser would choose. */
  threshold?: number;
}

export interface NabEvaluation {
  detector: string;
  files: number;
  windows: number;
  standard: number;
  reward_low_FP_rate: number;
  reward_low_FN_rate: number;
  threshold: Record<string, number>;
  per_file: Record<string, Record<string, Counts>>;
}

/** Every labelled data file's anomaly windows, in the order of the data directory. */
export function labelledFiles(dataDir: string, labelsFile: string): Array<{ name: string; windows: Array<[number, number]> }> {
  const labels = readLabels(labelsFile);
  return listDataFiles(dataDir).map((name) => {
    const windows = labels.get(name);
    if (!windows) throw new Error(`${labelsFile} has no windows for ${name}`);
    return { name, windows };
  });
}

/** Turns per-file detector scores into NAB's summary: normalised scores, thresholds and per-file counts. */
export function summarise(detector: string, files: ScoredFile[], threshold?: number): NabEvaluation {
  const report = nabReport(files, threshold);
  const per_file: Record<string, Record<string, Counts>> = {};
  for (const file of files) per_file[file.name] = Object.fromEntries(Object.entries(report).map(([profile, result]) => [profile, result.files[file.name]!]));
  return {
    detector,
    files: files.length,
    windows: files.reduce((sum, file) => sum + file.windows.length, 0),
    standard: report.standard!.score,
    reward_low_FP_rate: report.reward_low_FP_rate!.score,
    reward_low_FN_rate: report.reward_low_FN_rate!.score,
    threshold: Object.fromEntries(Object.entries(report).map(([profile, result]) => [profile, result.threshold])),
    per_file,
  };
}

/** Scores a published detector's results against NAB-format data and labels. */
export function evaluateNabResults(options: NabEvaluationOptions): NabEvaluation {
  const files = labelledFiles(options.dataDir, options.labelsFile).map(({ name, windows }) => {
    const results = readNabCsv(findResultFile(options.resultsDir, name), ['anomaly_score']);
    return { name, windows, timestamps: results.timestamps, anomalyScores: results.columns.anomaly_score! };
  });
  return summarise(basename(options.resultsDir), files, options.threshold);
}
