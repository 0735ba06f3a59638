import { evaluateNabDetector, evaluateNabResults } from '@ioc/analytics';
import { numberFlag, parseFlags, required } from '../args.ts';
import { UsageError, type Command } from '../io.ts';

/**
 * ioc eval nab --data DIR --labels FILE [--results DIR] [--threshold T]: prints one JSON object of NAB scores, for
 * our streaming detector or (with --results) for another detector's published results.
 */
export const evaluate: Command = async ({ args: [name, ...args], io }) => {
  if (name !== 'nab') throw new UsageError(`${name ? `unknown evaluation "${name}"` : 'eval needs a name'}; available: nab`);
  const { values } = parseFlags(args, { data: { type: 'string' }, labels: { type: 'string' }, results: { type: 'string' }, threshold: { type: 'string' } });
  const dataDir = required(values.data, 'data');
  const labelsFile = required(values.labels, 'labels');
  const threshold = numberFlag(values.threshold, 'threshold');
  const result =
    values.results === undefined
      ? await evaluateNabDetector({ dataDir, labelsFile, threshold })
      : evaluateNabResults({ dataDir, labelsFile, resultsDir: values.results, threshold });
  io.out(JSON.stringify(result));
  return 0;
};
