import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

export const ENV_NOVELTY_MODEL = fileURLToPath(new URL('../../models/env-novelty.onnx', import.meta.url));

/** One series' input: its latest values (oldest first) and its earlier novelty scores (oldest first, at least one). */
export interface NoveltyInput {
  values: Float32Array;
  pastScores: Float32Array;
}

export interface NoveltyOutput {
  novelty: number;
  likelihood: number;
}

/** models/env-novelty.onnx run by onnxruntime; inputs of equal shapes are scored in one batch. */
export interface NoveltyModel {
  score(inputs: NoveltyInput[]): Promise<NoveltyOutput[]>;
  close(): Promise<void>;
}

export async function loadNoveltyModel(path = ENV_NOVELTY_MODEL): Promise<NoveltyModel> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });

  async function runBatch(batch: NoveltyInput[]): Promise<NoveltyOutput[]> {
    const values = batch[0]!.values.length;
    const scores = batch[0]!.pastScores.length;
    const window = new Float32Array(batch.length * values);
    const past = new Float32Array(batch.length * scores);
    batch.forEach((input, i) => {
      window.set(input.values, i * values);
      past.set(input.pastScores, i * scores);
    });
    const result = await session.run({
      window: new ort.Tensor('float32', window, [batch.length, values]),
      past_scores: new ort.Tensor('float32', past, [batch.length, scores]),
    });
    const novelty = result.novelty!.data as Float32Array;
    const likelihood = result.likelihood!.data as Float32Array;
    return batch.map((_, i) => ({ novelty: novelty[i]!, likelihood: likelihood[i]! }));
  }

  return {
    async score(inputs) {
      const groups = new Map<string, number[]>();
      inputs.forEach((input, i) => {
        const key = `${input.values.length}:${input.pastScores.length}`;
        const group = groups.get(key);
        if (group) group.push(i);
        else groups.set(key, [i]);
      });
      const outputs = new Array<NoveltyOutput>(inputs.length);
      for (const indices of groups.values()) {
        const results = await runBatch(indices.map((i) => inputs[i]!));
        indices.forEach((i, k) => (outputs[i] = results[k]!));
      }
      return outputs;
    },
    close: () => session.release(),
  };
}
