import { describe, expect, it } from 'vitest';
import { createRelabel } from '../src/env/relabel.ts';

describe('relabelling a raised station alarm', () => {
  it('relabels once another label has held for `after` judgements in a row', () => {
    const relabel = createRelabel(3);
    expect(relabel.update('air-1', 'episode', 'sensor_fault')).toBe(false);
    expect(relabel.update('air-1', 'episode', 'sensor_fault')).toBe(false);
    expect(relabel.update('air-1', 'episode', 'sensor_fault')).toBe(true);
    // The alarm now carries the new label: judgements that agree with it change nothing.
    expect(relabel.update('air-1', 'sensor_fault', 'sensor_fault')).toBe(false);
  });

  it('starts counting again when the run is broken: by the current label, by nothing unusual, or by a third label', () => {
    const relabel = createRelabel(3);
    for (const interruption of ['episode', undefined, 'anomaly']) {
      relabel.update('air-2', 'episode', 'sensor_fault');
      relabel.update('air-2', 'episode', 'sensor_fault');
      expect(relabel.update('air-2', 'episode', interruption)).toBe(false);
      expect(relabel.update('air-2', 'episode', 'sensor_fault')).toBe(false);
      relabel.forget('air-2');
    }
  });

  it('keeps each device apart, and forgets a device whose alarm cleared', () => {
    const relabel = createRelabel(2);
    relabel.update('air-3', 'episode', 'sensor_fault');
    expect(relabel.update('air-4', 'episode', 'sensor_fault')).toBe(false);
    relabel.forget('air-3');
    expect(relabel.update('air-3', 'episode', 'sensor_fault')).toBe(false);
    expect(relabel.update('air-3', 'episode', 'sensor_fault')).toBe(true);
  });
});
