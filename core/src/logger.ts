import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** The IOC's structured logger: JSON lines on stdout, one child per service. */
export function createLogger(options: { level?: LogLevel; name?: string } = {}): Logger {
  return pino({ level: options.level ?? 'info', name: options.name ?? 'ioc' });
}
