import { ConfigError } from '@ioc/core';
import { accounts } from './commands/accounts.ts';
import { audit } from './commands/audit.ts';
import { backup, restore } from './commands/backup.ts';
import { bench } from './commands/bench.ts';
import { devices } from './commands/devices.ts';
import { evaluate } from './commands/eval.ts';
import { migrate } from './commands/migrate.ts';
import { sim } from './commands/sim.ts';
import { start } from './commands/start.ts';
import { users } from './commands/users.ts';
import { processIo, UsageError, type Command, type Env, type Io } from './io.ts';
import { USAGE } from './usage.ts';

const COMMANDS: Record<string, Command> = { start, devices, accounts, audit, users, migrate, backup, restore, sim, bench, eval: evaluate };

/** The `ioc` command: runs one command and returns its exit code (0 ok, 1 failure, 2 wrong usage). */
export async function main(argv: string[], io: Io = processIo, env: Env = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return 0;
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`ioc: ${name === undefined ? 'no command given' : `unknown command "${name}"`}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command({ args, env, io });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ioc ${name}: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    io.err(`ioc ${name}: ${(error as Error).message}`);
    return 1;
  }
}
