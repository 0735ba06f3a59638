import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.ts';

export type { Logger };

/**
 * Whether log lines are for a person or for a machine: IOC_LOG_FORMAT (`pretty` or `json`) when set, otherwise
 * pretty on a terminal and JSON when standard output is a pipe or a file (containers, log collectors).
 */
export function chooseLogFormat(format: LogFormat | undefined, isTTY: boolean | undefined): 'pretty' | 'json' {
  if (format === 'pretty' || format === 'json') return format;
  return isTTY ? 'pretty' : 'json';
}

/**
 * The IOC's structured logger, one child per service: JSON lines on stdout (or on `destination`, e.g. for tests), or
 * human-readable lines (pino-pretty: time, level, `[service]`, message, then the other fields on the same line) for `pretty`, the
 * default on a terminal (chooseLogFormat).
 */
export function createLogger(options: { level?: LogLevel; name?: string; destination?: DestinationStream; format?: LogFormat } = {}): Logger {
  const settings = { level: options.level ?? 'info', name: options.name ?? 'ioc' };
  const format = options.destination ? (options.format ?? 'json') : chooseLogFormat(options.format, process.stdout.isTTY);
  if (format === 'json') return pino(settings, options.destination);
  const destination = options.destination ?? process.stdout;
  const pretty = PinoPretty({
    destination,
    colorize: options.destination ? false : process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name,service',
    messageFormat: '{if service}[{service}] {end}{msg}',
    // The other fields on the same line, so that one event is one line.
    singleLine: true,
    // A crash's last lines must reach the terminal.
    sync: true,
  });
  return pino(settings, pretty);
}
