import { parseArgs } from 'node:util';

export interface E2eOptions {
  devices: number;
  /** Target messages per second over the whole fleet. */
  rate: number;
  durationS: number;
  /** Unmeasured load first, while the IOC settles after the logins. */
  warmupS: number;
  /** One message in this many is followed through the history API. */
  sampleEvery: number;
  /** Measure the Mosquitto peer too. */
  peer: boolean;
}

/** Options from flags (--devices 1000) or the environment (E2E_DEVICES=1000); flags win. */
export function readOptions(argv: string[], env: Record<string, string | undefined>): E2eOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      devices: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'sample-every': { type: 'string' },
      peer: { type: 'string' },
    },
  });
  const number = (flag: string, raw: string | undefined, fallback: number, min = Number.MIN_VALUE) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min) throw new Error(`--${flag} must be a number ${min === Number.MIN_VALUE ? "> 0" : `≥ ${min}`}, got "${raw}"`);
    return value;
  };
  return {
    devices: Math.round(number('devices', values.devices ?? env.E2E_DEVICES, 1000)),
    rate: number('rate', values.rate ?? env.E2E_RATE, 2000),
    durationS: number('duration', values.duration ?? env.E2E_DURATION_S, 20),
    warmupS: number('warmup', values.warmup ?? env.E2E_WARMUP_S, 5, 0),
    sampleEvery: Math.round(number('sample-every', values['sample-every'] ?? env.E2E_SAMPLE_EVERY, 200)),
    peer: (values.peer ?? env.E2E_PEER ?? 'on') !== 'off',
  };
}
