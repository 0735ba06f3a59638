import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** The IOC's structured logger: JSON lines on stdout (or on `destination`, e.g. for tests), one child per service. */
export function createLogger(options: { level?: LogLevel; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino({ level: options.level ?? 'info', name: options.name ?? 'ioc' }, options.destination);
}
