import { ConfigError, loadCommonConfig, readCount, type CommonConfig, type ConfigEnv } from '@ioc/core';
import { loadNotifyConfig, type NotifyConfig } from './notify/config.ts';

/** The alerting service's configuration (`ioc start alerting`), with the common settings. */
export interface AlertingConfig extends CommonConfig {
  alerting: {
    /** How often pending conditions are checked against their forS and devices for silence, in ms. */
    evalIntervalMs: number;
  };
  /** Notifications: grouping defaults, channels and delivery (notify/config.ts). */
  notify: NotifyConfig;
}

/** Reads and validates the alerting service's configuration; throws ConfigError on the first bad variable. */
export function loadAlertingConfig(env: ConfigEnv = process.env): AlertingConfig {
  const evalIntervalS = readCount(env, 'IOC_ALERT_EVAL_INTERVAL_S', 5);
  if (evalIntervalS < 1) throw new ConfigError('IOC_ALERT_EVAL_INTERVAL_S', 'must be at least 1 (seconds)');
  return { ...loadCommonConfig(env), alerting: { evalIntervalMs: evalIntervalS * 1000 }, notify: loadNotifyConfig(env) };
}
