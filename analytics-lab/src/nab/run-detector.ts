import { join } from 'node:path';
import { createSeriesDetector, type DetectorOptions, loadNoveltyModel } from '@ioc/analytics';
import { readNabCsv } from './dataset.ts';
import { labelledFiles, summarise, type NabEvaluation } from './evaluate.ts';

export const DETECTOR_NAME = 'ioc-env-novelty';

/**
 * Streams every NAB data file through a fresh detector (one value at a time, as live telemetry would arrive) and
 * scores the output; at the detector's own threshold unless one is given.
 */
export async function evaluateNabDetector(options: {
  dataDir: string;
  labelsFile: string;
  threshold?: number;
  detector?: Partial<DetectorOptions>;
}): Promise<NabEvaluation> {
  const model = await loadNoveltyModel();
  try {
    const files = [];
    let threshold = options.threshold;
    for (const { name, windows } of labelledFiles(options.dataDir, options.labelsFile)) {
      const csv = readNabCsv(join(options.dataDir, name), ['value']);
      const detector = createSeriesDetector(model, options.detector);
      threshold ??= detector.options.threshold;
      const anomalyScores: number[] = [];
      for (const value of csv.columns.value!) {
        const [result] = await detector.push([{ key: name, value }]);
        anomalyScores.push(result!.score);
      }
      files.push({ name, windows, timestamps: csv.timestamps, anomalyScores });
    }
    return summarise(DETECTOR_NAME, files, threshold);
  } finally {
    await model.close();
  }
}
