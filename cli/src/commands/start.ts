import { chooseLogFormat } from '@ioc/core';
import { bannerText, startSummary } from '../banner.ts';
import type { Command } from '../io.ts';
import { waitForShutdownSignal } from '../signals.ts';
import { startIoc } from '../start-ioc.ts';

/**
 * ioc start [service…]: runs the IOC until SIGINT/SIGTERM, then stops services in reverse order. Once started it says
 * where the dashboard is, where the admin password is, what is simulated and which stores are in use: a banner on a
 * terminal, one `IOC ready` log line for a machine.
 */
export const start: Command = async ({ args, env, io }) => {
  // What the IOC writes (the data directory, PGlite's files, ingest's spill, the admin password) is for its own user.
  process.umask(0o077);
  const ioc = await startIoc({ env, services: args });
  const summary = await startSummary(ioc, env);
  if (chooseLogFormat(ioc.config.logFormat, process.stdout.isTTY) === 'pretty') io.out(bannerText(summary));
  else ioc.logger.info(summary, 'IOC ready');
  await waitForShutdownSignal();
  await ioc.stop();
  return 0;
};
