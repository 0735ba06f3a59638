import type { Command } from '../io.ts';
import { waitForShutdownSignal } from '../signals.ts';
import { startIoc } from '../start-ioc.ts';

/** ioc start [service…]: runs the IOC until SIGINT/SIGTERM, then stops services in reverse order. */
export const start: Command = async ({ args, env }) => {
  // What the IOC writes (the data directory, PGlite's files, ingest's spill, the admin password) is for its own user.
  process.umask(0o077);
  const ioc = await startIoc({ env, services: args });
  await waitForShutdownSignal();
  await ioc.stop();
  return 0;
};
