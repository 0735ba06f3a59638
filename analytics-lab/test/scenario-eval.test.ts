import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@ioc/core/testing';
import { evaluateScenario } from '@ioc/analytics-lab';

describe('scenario evaluation', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('scores a small fleet through a pollution episode and a sensor spike against the ground truth', async () => {
    const fleet = join(dir.path, 'fleet.yaml');
    // Five stations, two of them polluted: the city's median stays clean (with three, it would be a polluted one).
    writeFileSync(fleet, 'name: small\nseed: 5\nareas: ["19753", "19789", "19815", "19777", "19804"]\nper_area: { air: 1 }\ninterval: { air: 1m }\n');
    const scenario = join(dir.path, 'scenario.yaml');
    writeFileSync(
      scenario,
      [
        'name: small-storm',
        'duration: 4h',
        'incidents:',
        '  - { type: sensor_fault, fault: spike, kind: air, metric: pm25, devices: [air-19815-1], start: 30m, duration: 4m }',
        '  - { type: pollution, areas: ["19753", "19789"], factor: 4, start: 2h, duration: 1h }',
        '',
      ].join('\n'),
    );
    const result = await evaluateScenario({ fleetFile: fleet, scenarioFile: scenario, seed: 3 });
    expect(result).toMatchObject({ scenario: 'small-storm', devices: 5, events: 3, report_interval_s: { air: 60 } });
    expect(result.missed).toEqual([]);
    expect(result.recall_by_type).toEqual({ spike: 1, pollution: 1 });
    expect(result.recall).toBe(1);
    for (const key of ['precision', 'f1'] as const) expect(result[key]).toBeGreaterThan(0);
    expect(result.false_alarms_per_device_week).toBeGreaterThanOrEqual(0);
    expect(result.median_delay_s).toBeGreaterThanOrEqual(0);
    expect(result.label_accuracy).not.toBeNull();
  });
});
