import type { ConfigError, ConfigEnv } from '../config.ts';

/** What a configuration loader throws for `env` (a ConfigError, when it is right), or undefined when it accepts it. */
export function configRefusal(load: (env: ConfigEnv) => unknown, env: ConfigEnv): ConfigError | undefined {
  try {
    load(env);
    return undefined;
  } catch (error) {
    return error as ConfigError;
  }
}
