import { spawn, type ChildProcess } from 'node:child_process';
import { deviceTopic, ffmpegInputUrl, type Clock, type Logger, type MqttClient } from '@ioc/core';
import { checkCommand, decode, DeviceCommand, type CommandArgsOf, type DeviceAck, type DeviceEvent } from '@ioc/core/contracts';
import type { SimDevice } from './fleet.ts';
import type { SpeakerFault } from './scenario.ts';

interface Playback {
  cmd: string;
  url: string;
  priority: number;
  child: ChildProcess;
  bytes: number;
  sumSquares: number;
  stopping?: 'stopped' | 'preempted';
  started: boolean;
}

/** Priorities of a play and of a stop that give none (the catalogue bounds them 0–10). */
export const DEFAULT_PRIORITY = 5;
export const MAX_PRIORITY = 10;
/** The player decodes to 16 kHz mono 16-bit PCM: 32 bytes per ms. */
const BYTES_PER_MS = 32;

export interface SimSpeaker {
  /** Handles one message from the device's cmd topic. */
  command(payload: Buffer): void;
  telemetry(ts: number): Record<string, number>;
  readonly playing: boolean;
  /** Announces a fault starting or ending (event `fault`). */
  setFault(fault: SpeakerFault | undefined): void;
  close(): void;
}

/**
 * A smart loudspeaker: obeys play/stop/volume from its cmd topic, acks each command, and really plays: ffmpeg pulls
 * and decodes the stream in real time (-re) to PCM, whose bytes and level it reports in `playback.*` events.
 * Priorities (0–10, default 5): a play of equal or higher priority preempts the current one, a lower one is refused.
 * Commands are handled one after another, in arrival order: a play waits for its stream's host name to be looked up
 * (ffmpegInputUrl) before the next command is judged.
 */
export function createSimSpeaker(options: {
  device: SimDevice;
  client: () => MqttClient | undefined;
  /** The decoder; without one the speaker refuses to play. */
  ffmpegPath: string | undefined;
  clock: Clock;
  logger: Logger;
  fault: () => SpeakerFault | undefined;
}): SimSpeaker {
  const { device, clock, logger } = options;
  let volume = 70;
  let current: Playback | undefined;
  let announcedFault: SpeakerFault | undefined;
  let handling: Promise<void> = Promise.resolve();
  let closed = false;

  const send = (channel: 'ack' | 'events', body: Record<string, unknown>) => {
    const client = options.client();
    if (!client?.connected) return;
    client.publish(deviceTopic(device.id, channel), JSON.stringify(body), { qos: 1 }, (error) => {
      if (error) logger.warn({ device: device.id, err: error.message }, `speaker ${channel} not delivered`);
    });
  };
  const ack = (id: string, status: DeviceAck['status'], detail?: string) => {
    const body: DeviceAck = { id, status, ...(detail ? { detail } : {}) };
    send('ack', body);
  };
  const event = (type: string, body: Record<string, unknown>) => {
    const message: DeviceEvent = { ...body, ts: clock.now(), type };
    send('events', message);
  };

  function decoded(playback: Playback) {
    const samples = playback.bytes / 2;
    const rms = samples > 0 ? Math.sqrt(playback.sumSquares / samples) / 32768 : 0;
    return { decoded_ms: Math.round(playback.bytes / BYTES_PER_MS), rms_dbfs: rms > 0 ? Math.round(200 * Math.log10(rms)) / 10 : null };
  }

  async function play(id: string, { url, priority = DEFAULT_PRIORITY }: CommandArgsOf<'speaker', 'play'>) {
    if (!options.ffmpegPath) return ack(id, 'error', 'no audio decoder: ffmpeg not found on the simulator host');
    const fault = options.fault();
    if (fault === 'amplifier_fault') return ack(id, 'error', 'amplifier fault');
    if (fault === 'low_voltage') return ack(id, 'error', 'supply voltage too low to play');
    let input: string;
    try {
      input = await ffmpegInputUrl(options.ffmpegPath, url);
    } catch (error) {
      return ack(id, 'error', (error as Error).message);
    }
    // The speaker may have been switched off while the name was looked up.
    if (closed) return;
    if (current && priority < current.priority) {
      return ack(id, 'error', `busy: playing ${current.cmd} at priority ${current.priority}`);
    }
    if (current) {
      current.stopping = 'preempted';
      event('playback.preempted', { cmd: current.cmd, by: id, ...decoded(current) });
      current.child.kill('SIGKILL');
    }
    const child = spawn(
      options.ffmpegPath,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-i', input, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const playback: Playback = { cmd: id, url, priority, child, bytes: 0, sumSquares: 0, started: false };
    current = playback;
    let stderr = '';
    let odd: number | undefined;
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!playback.started) {
        playback.started = true;
        event('playback.started', { cmd: id, url, priority: playback.priority, volume });
      }
      let offset = 0;
      if (odd !== undefined && chunk.length > 0) {
        const sample = ((chunk[0]! << 8) | odd) << 16 >> 16;
        playback.sumSquares += sample * sample;
        offset = 1;
        odd = undefined;
      }
      for (; offset + 1 < chunk.length; offset += 2) {
        const sample = chunk.readInt16LE(offset);
        playback.sumSquares += sample * sample;
      }
      if (offset < chunk.length) odd = chunk[offset];
      playback.bytes += chunk.length;
    });
    child.once('error', (error) => {
      if (current === playback) current = undefined;
      event('playback.failed', { cmd: id, url, error: error.message });
    });
    child.once('close', (code) => {
      if (current === playback) current = undefined;
      if (playback.stopping === 'stopped') event('playback.stopped', { cmd: id, url, ...decoded(playback) });
      else if (playback.stopping) return;
      else if (code === 0 && playback.bytes > 0) event('playback.finished', { cmd: id, url, ...decoded(playback) });
      else event('playback.failed', { cmd: id, url, error: stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`, ...decoded(playback) });
    });
    ack(id, 'ok');
  }

  async function handle(cmd: DeviceCommand) {
    if (cmd.expires < clock.now()) return ack(cmd.id, 'error', 'expired');
    const checked = checkCommand('speaker', cmd.type, cmd.args);
    if (!checked.ok) return ack(cmd.id, 'error', checked.reason);
    const command = checked.value;
    switch (command.type) {
      case 'play':
        return play(cmd.id, command.args);
      case 'stop': {
        if (!current) return ack(cmd.id, 'ok', 'idle');
        const priority = command.args.priority ?? MAX_PRIORITY;
        if (priority < current.priority) return ack(cmd.id, 'error', `busy: ${current.cmd} plays at priority ${current.priority}`);
        current.stopping = 'stopped';
        current.child.kill('SIGKILL');
        return ack(cmd.id, 'ok');
      }
      case 'volume':
        volume = command.args.level;
        return ack(cmd.id, 'ok');
    }
  }

  return {
    get playing() {
      return current !== undefined;
    },
    command(payload) {
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        logger.warn({ device: device.id }, 'speaker command is not JSON: ignored');
        return;
      }
      const decoded = decode(DeviceCommand, body);
      if (decoded.ok) {
        const cmd = decoded.value;
        handling = handling.then(() => handle(cmd)).catch((error: Error) => logger.error({ device: device.id, err: error.message }, 'speaker command failed'));
        return;
      }
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id !== '') return ack(id, 'error', decoded.reason);
      logger.warn({ device: device.id, reason: decoded.reason }, 'speaker command without an id: ignored');
    },
    telemetry() {
      const fault = options.fault();
      const playing = current !== undefined && fault !== 'amplifier_fault';
      return {
        volume,
        playing: playing ? 1 : 0,
        temp_c: Math.round((31 + (playing ? 9 : 0) + (fault === 'amplifier_fault' ? 25 : 0)) * 10) / 10,
        supply_v: fault === 'low_voltage' ? 168 : 224,
        rssi_dbm: fault === 'weak_signal' ? -112 : Math.round(device.profile.rssiDbm),
      };
    },
    setFault(fault) {
      if (fault === announcedFault) return;
      if (fault) event('fault', { fault, active: true });
      else event('fault', { fault: announcedFault, active: false });
      announcedFault = fault;
      if (fault === 'amplifier_fault' && current) {
        current.stopping = 'stopped';
        current.child.kill('SIGKILL');
      }
    },
    close() {
      closed = true;
      if (current) {
        current.stopping = 'stopped';
        current.child.kill('SIGKILL');
        current = undefined;
      }
    },
  };
}
