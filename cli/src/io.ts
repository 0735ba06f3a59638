/** Where a command writes: stdout for results, stderr for errors and usage. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export type Env = Record<string, string | undefined>;

/** What every command receives. */
export interface CommandContext {
  args: string[];
  env: Env;
  io: Io;
}

/** A command returns its exit code. */
export type Command = (context: CommandContext) => Promise<number>;

/** Wrong usage of the command line (exit code 2, usage printed). */
export class UsageError extends Error {
  override name = 'UsageError';
}
