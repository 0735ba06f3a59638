import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

/** The metrics, in input order, of each device kind that has a multivariate station model. */
export const STATION_MODEL_METRICS: Readonly<Record<string, readonly string[]>> = {
  air: ['pm25', 'pm10', 'no2', 'o3', 'co', 'temp_c', 'rh'],
};

export const stationModelFile = (kind: string) => fileURLToPath(new URL(`../../models/env-station-${kind}.onnx`, import.meta.url));

export interface StationModelOutput {
  /** Reconstruction error over the 99.9th percentile of normal data: above 1 is rarer than 1 in 1000 normal readings. */
  score: number;
  /** Each metric's share of the reconstruction error (sums to 1), naming what departs. */
  shares: number[];
}

/** A multivariate station model (models/env-station-<kind>.onnx): a small autoencoder over a station's standardised metrics. */
export interface StationModel {
  readonly kind: string;
  readonly metrics: readonly string[];
  score(features: Float32Array[]): Promise<StationModelOutput[]>;
  close(): Promise<void>;
}

export async function loadStationModel(kind: string, path = stationModelFile(kind)): Promise<StationModel> {
  const metrics = STATION_MODEL_METRICS[kind];
  if (!metrics) throw new Error(`no multivariate station model for kind "${kind}"`);
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const width = metrics.length;
  return {
    kind,
    metrics,
    async score(features) {
      if (features.length === 0) return [];
      const input = new Float32Array(features.length * width);
      features.forEach((row, i) => input.set(row, i * width));
      const result = await session.run({ features: new ort.Tensor('float32', input, [features.length, width]) });
      const score = result.score!.data as Float32Array;
      const errors = result.errors!.data as Float32Array;
      return features.map((_, i) => {
        const row = Array.from(errors.subarray(i * width, (i + 1) * width));
        const total = row.reduce((sum, e) => sum + e, 0) || 1;
        return { score: score[i]!, shares: row.map((e) => e / total) };
      });
    },
    close: () => session.release(),
  };
}

/** Every kind's station model, by kind. */
export async function loadStationModels(): Promise<Map<string, StationModel>> {
  const models = await Promise.all(Object.keys(STATION_MODEL_METRICS).map((kind) => loadStationModel(kind)));
  return new Map(models.map((model) => [model.kind, model]));
}
