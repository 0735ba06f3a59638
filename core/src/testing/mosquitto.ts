import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { requireBinary } from './system.ts';

/** Debian's Mosquitto broker, if installed (skips with a message, or throws under CI=true, when not). */
export function mosquittoBinary(): string | undefined {
  return requireBinary('mosquitto', 'mosquitto', '/usr/sbin/mosquitto');
}

/**
 * Debian's Mosquitto on a free loopback port with a temporary configuration: anonymous (or, given a password file,
 * authenticated), no persistence, and no queue limit so that a lagging subscriber delays rather than loses messages
 * (like aedes).
 */
export async function startMosquitto(
  binary: string,
  port: number,
  dir: string,
  options: { passwordFile?: string } = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      ...(options.passwordFile ? ['allow_anonymous false', `password_file ${options.passwordFile}`] : ['allow_anonymous true']),
      // Run as root, Mosquitto would drop to its own user, who cannot read our private temporary files.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'persistence false',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr.trim()}`);
    if (await accepts(port)) break;
    if (attempt > 100) throw new Error(`mosquitto did not listen on ${port}: ${stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether something accepts TCP connections on a loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
