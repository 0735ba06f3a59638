import { evaluateCameraHealth, evaluateNabDetector, evaluateNabHoldout, evaluateNabResults, evaluateScenario } from '@ioc/analytics-lab';
import { numberFlag, parseFlags, required } from '../args.ts';
import { UsageError, type Command } from '../io.ts';

/**
 * ioc eval nab --data DIR --labels FILE [--results DIR] [--threshold T] [--holdout]: NAB scores of our streaming
 * detector, or (with --results) of another detector's published results; --holdout tunes the threshold on half the
 * files and scores the other half, both ways.
 * ioc eval scenario [--scenario FILE] [--fleet FILE] [--seed N]: the simulator's scenario through the analytics
 * pipeline, scored at event level against its ground truth.
 * ioc eval camera [--cameras N] [--darkness 0,5,9] [--normal-checks N] [--tamper-checks N] [--recovery-checks N]
 * [--dusk-checks N]: tampers played on the simulator's camera streams through the camera health monitor's checks.
 * Each prints one JSON object.
 */
export const evaluate: Command = async ({ args: [name, ...args], io }) => {
  if (name === 'nab') {
    const { values } = parseFlags(args, {
      data: { type: 'string' },
      labels: { type: 'string' },
      results: { type: 'string' },
      threshold: { type: 'string' },
      holdout: { type: 'boolean' },
    });
    const dataDir = required(values.data, 'data');
    const labelsFile = required(values.labels, 'labels');
    if (values.holdout) {
      io.out(JSON.stringify(await evaluateNabHoldout({ dataDir, labelsFile })));
      return 0;
    }
    const threshold = numberFlag(values.threshold, 'threshold');
    const result =
      values.results === undefined
        ? await evaluateNabDetector({ dataDir, labelsFile, threshold })
        : evaluateNabResults({ dataDir, labelsFile, resultsDir: values.results, threshold });
    io.out(JSON.stringify(result));
    return 0;
  }
  if (name === 'scenario') {
    const { values } = parseFlags(args, { scenario: { type: 'string' }, fleet: { type: 'string' }, seed: { type: 'string' } });
    io.out(JSON.stringify(await evaluateScenario({ scenarioFile: values.scenario, fleetFile: values.fleet, seed: numberFlag(values.seed, 'seed') })));
    return 0;
  }
  if (name === 'camera') {
    const text = { type: 'string' } as const;
    const { values } = parseFlags(args, { cameras: text, darkness: text, 'normal-checks': text, 'tamper-checks': text, 'recovery-checks': text, 'dusk-checks': text });
    const darkness = values.darkness?.split(',').map((level) => numberFlag(level, 'darkness')!);
    const result = await evaluateCameraHealth({
      cameras: numberFlag(values.cameras, 'cameras'),
      darkness,
      normalChecks: numberFlag(values['normal-checks'], 'normal-checks'),
      tamperChecks: numberFlag(values['tamper-checks'], 'tamper-checks'),
      recoveryChecks: numberFlag(values['recovery-checks'], 'recovery-checks'),
      duskChecksPerLevel: numberFlag(values['dusk-checks'], 'dusk-checks'),
    });
    io.out(JSON.stringify(result));
    return 0;
  }
  throw new UsageError(`${name ? `unknown evaluation "${name}"` : 'eval needs a name'}; available: nab, scenario, camera`);
};
