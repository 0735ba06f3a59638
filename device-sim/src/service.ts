import { join } from 'node:path';
import { deviceTopic, loadAreaSet, resolveFfmpeg, setDeviceStreamUrl, systemClock, type Clock, type Db, type Health, type Logger, type MqttClient, type NativeTelemetry, type Service } from '@ioc/core';
import type { SimConfig } from './config.ts';
import { createCameraStreams, type CameraStreams } from './camera-streams.ts';
import { connectDevice } from './device-connection.ts';
import { createSimEngine, type SimEngine } from './engine.ts';
import { buildFleet, type SimDevice } from './fleet.ts';
import { loadFleetFile } from './fleet-file.ts';
import { provisionFleet } from './provision.ts';
import { hashString, seededRandom } from './random.ts';
import { groundTruth, planScenario, type GroundTruth, type ScenarioPlan, type ScenarioSpec } from './scenario.ts';
import { createSimClock, defaultStartAt, type SimClock } from './sim-clock.ts';
import { createSimSpeaker, type SimSpeaker } from './speaker.ts';

export interface DeviceSimDeps {
  config: Pick<SimConfig, 'dataDir' | 'mqttUrl'> & Partial<Pick<SimConfig, 'gatewayConnectRate' | 'areasDir'>>;
  logger: Logger;
  /** Where the fleet is registered (provisioning, camera stream URLs); not needed with `credentials`. */
  db?: Db;
  /** Tokens of devices an administrator registered: no provisioning (see readTokenFile). */
  credentials?: ReadonlyMap<string, string>;
  /** The real clock (default the system's); simulated time runs from it. */
  clock?: Clock;
  /** Where the devices connect (default config.mqttUrl). */
  mqttUrl?: string;
  /** The simulated devices (default the fleet of fleets/hue.yaml). */
  fleet?: readonly SimDevice[];
  /** The incidents to play (default none). */
  scenario?: ScenarioSpec;
  /** Seed of the run: jitter, noise and the devices incidents pick (default 1). */
  seed?: number;
  /** Simulated ms per real ms (default 1). */
  speed?: number;
  /** Simulated time at the start (default: now, or early enough that a faster run ends at the present). */
  startAt?: number;
  /** Same mean interval for every device, simulated ms (default each kind's interval from the fleet). */
  intervalMs?: number;
  /** Receives each ground-truth line when its incident starts. */
  truth?: (line: GroundTruth) => void;
  /** Camera streams: port (default 0 = ephemeral), listen host and the host put into URLs. */
  cameraPort?: number;
  cameraHost?: string;
  cameraPublicHost?: string;
  /**
   * New connections per second when the fleet starts (default 80 % of the gateway's per-address limit,
   * config.gatewayConnectRate: one simulator is one address; 0 = all at once).
   */
  connectRate?: number;
  /** ffmpeg for cameras and speakers (default resolveFfmpeg()); null runs the fleet as on a host without one. */
  ffmpegPath?: string | null;
}

export const JITTER = 0.2;
/** At start, a refused connection is retried this many times, after 1, 2, 4… s (jittered, at most 30 s apart). */
const CONNECT_ATTEMPTS = 6;

export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'sim-credentials.json');
}

export interface DeviceSimService extends Service {
  readonly published: number;
  readonly clock: SimClock;
  readonly plan: ScenarioPlan;
  readonly engine: SimEngine;
  /** The camera stream server, when the fleet has cameras. */
  readonly cameras: CameraStreams | undefined;
  /** Resolves when simulated time passes the end of the scenario. */
  readonly finished: Promise<void>;
}

interface Running {
  device: SimDevice;
  token: string;
  client?: MqttClient;
  speaker?: SimSpeaker;
  random: () => number;
  cut: boolean;
}

/**
 * The simulated fleet as a service: provisions its devices, opens one MQTT connection per device with the device's
 * own credentials, and reports on simulated time (timestamps follow it): sensors and cameras publish telemetry,
 * speakers obey commands, cameras serve video while watched. The scenario's incidents change readings, cut
 * connections (reconnecting all at once at the end: a reconnect storm), fault speakers and tamper with cameras,
 * and each incident's ground truth is handed to `truth` as it starts.
 */
export function createDeviceSimService(deps: DeviceSimDeps): DeviceSimService {
  const { config, db } = deps;
  const logger = deps.logger.child({ service: 'sim' });
  const url = deps.mqttUrl ?? config.mqttUrl;
  // The fleet and its incidents are placed in the configured province (IOC_AREAS_DIR).
  const areas = loadAreaSet(config.areasDir).areas;
  const fleet = deps.fleet ?? buildFleet(loadFleetFile(), areas);
  const scenario = deps.scenario ?? { name: 'none', durationMs: 0, incidents: [] };
  const seed = deps.seed ?? 1;
  const speed = deps.speed ?? 1;
  const real = deps.clock ?? systemClock;
  let clock = createSimClock({ startAt: deps.startAt ?? defaultStartAt(real.now(), scenario.durationMs, speed), speed, real });
  const plan = planScenario(scenario, fleet, { seed, startAt: clock.startAt, areas });
  const engine = createSimEngine(plan, seed);
  const truth = groundTruth(plan, fleet);
  const devices = new Map<string, Running>();
  const timers = new Set<NodeJS.Timeout>();
  const needsFfmpeg = fleet.some((d) => d.kind === 'camera' || d.kind === 'speaker');
  let cameras: CameraStreams | undefined;
  let running = false;
  let published = 0;
  let failed = 0;
  /** Readings handed to MQTT and not yet acknowledged (QoS 1). */
  let pending = 0;
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));

  function at(ts: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (running) action();
    }, clock.realDelay(ts));
    timers.add(timer);
  }

  function nextReport(entry: Running, ts: number): void {
    const interval = deps.intervalMs ?? entry.device.intervalMs;
    const next = Math.round(ts + interval * (1 - JITTER + 2 * JITTER * entry.random()));
    at(next, () => {
      report(entry, next);
      nextReport(entry, next);
    });
  }

  function report(entry: Running, ts: number): void {
    const { device, client } = entry;
    if (!client?.connected || entry.cut) return;
    let metrics: Record<string, number> | undefined;
    if (device.kind === 'speaker') {
      entry.speaker?.setFault(engine.speakerFault(device.id, ts));
      metrics = entry.speaker?.telemetry(ts);
    } else {
      if (device.kind === 'camera') cameras?.refresh(device.id);
      metrics = engine.reading(device, ts);
    }
    if (!metrics) return;
    pending++;
    const reading: NativeTelemetry = { ts, metrics };
    client.publish(deviceTopic(device.id, 'telemetry'), JSON.stringify(reading), { qos: 1 }, (error) => {
      pending--;
      if (!error) published++;
      else {
        failed++;
        logger.warn({ device: device.id, err: error.message }, 'simulated reading not delivered');
      }
    });
  }

  async function connect(entry: Running, attempts = CONNECT_ATTEMPTS): Promise<void> {
    let client: MqttClient | undefined;
    for (let attempt = 1; !client; attempt++) {
      try {
        client = await connectDevice(url, entry.device.id, entry.token);
      } catch (error) {
        if (attempt >= attempts || !running) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** (attempt - 1)) * (0.5 + Math.random())));
      }
    }
    if (!running || entry.cut) {
      await client.endAsync(true);
      return;
    }
    client.on('error', (error) => logger.warn({ device: entry.device.id, err: error.message }, 'simulated device connection error'));
    entry.client = client;
    if (entry.speaker) {
      client.on('message', (_topic, payload) => entry.speaker?.command(payload));
      await client.subscribeAsync(deviceTopic(entry.device.id, 'cmd'), { qos: 1 });
    }
  }

  /** Connection incidents: cut at the start, all reconnect at once at the end. */
  function scheduleIncidents(): void {
    for (const incident of plan.incidents) {
      const lines = truth.filter((line) => line.incident === incident.index);
      at(incident.start, () => lines.forEach((line) => deps.truth?.(line)));
      const cuts = incident.type === 'network_cut' || (incident.type === 'speaker_fault' && incident.fault === 'offline');
      if (!cuts) continue;
      at(incident.start, () => {
        for (const id of incident.devices) {
          const entry = devices.get(id);
          if (!entry) continue;
          entry.cut = true;
          void entry.client?.endAsync(true);
          entry.client = undefined;
        }
        logger.info({ incident: incident.index, devices: incident.devices.length }, `incident: ${incident.label}`);
      });
      at(incident.end, () => {
        const storm = incident.devices.map((id) => devices.get(id)).filter((e): e is Running => e !== undefined && e.cut);
        logger.info({ devices: storm.length }, 'reconnect storm');
        for (const entry of storm) {
          entry.cut = engine.offline(entry.device.id, incident.end);
          if (entry.cut) continue;
          // Like real devices after a cut, they keep trying until the gateway lets them in.
          connect(entry, Infinity).catch((error: Error) => logger.warn({ device: entry.device.id, err: error.message }, 'simulated device not reconnected'));
        }
      });
    }
    at(plan.endAt, resolveFinished);
  }

  async function fleetTokens(): Promise<ReadonlyMap<string, string>> {
    if (deps.credentials) {
      const missing = fleet.filter((d) => !deps.credentials!.has(d.id)).map((d) => d.id);
      if (missing.length > 0) throw new Error(`simulator credentials: no token for ${missing.length} device(s) of the fleet, e.g. ${missing.slice(0, 3).join(', ')}`);
      return deps.credentials;
    }
    if (!db) throw new Error('the simulator needs a database to register its fleet, or the devices\' credentials');
    const { tokens, created, reissued } = await provisionFleet(db, fleet, credentialsFile(config.dataDir));
    logger.info({ devices: fleet.length, created: created.length, reissued: reissued.length }, 'simulated fleet provisioned');
    return tokens;
  }

  /** ffmpeg, or undefined (with a warning) when the machine has none: cameras then serve no video, speakers refuse to play. */
  function findFfmpeg(): string | undefined {
    if (deps.ffmpegPath) return deps.ffmpegPath;
    try {
      if (deps.ffmpegPath === null) throw new Error('ffmpeg not found: none given to the simulator');
      const found = resolveFfmpeg();
      logger.info({ ffmpeg: found.path, from: found.source }, 'simulated cameras and speakers use this ffmpeg');
      return found.path;
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'simulated cameras serve no video and speakers cannot play');
      return undefined;
    }
  }

  return {
    name: 'sim',
    get published() {
      return published;
    },
    get clock() {
      return clock;
    },
    plan,
    engine,
    get cameras() {
      return cameras;
    },
    finished,
    async start() {
      const ffmpegPath = needsFfmpeg ? findFfmpeg() : undefined;
      const tokens = await fleetTokens();
      const cameraIds = fleet.filter((d) => d.kind === 'camera').map((d) => d.id);
      if (cameraIds.length > 0 && ffmpegPath) {
        cameras = createCameraStreams({
          ffmpegPath,
          clock: { now: () => clock.now() },
          logger,
          cameras: cameraIds,
          tamper: (id, ts) => engine.cameraTamper(id, ts),
          host: deps.cameraHost,
          port: deps.cameraPort,
          publicHost: deps.cameraPublicHost,
        });
        await cameras.start();
        if (db) for (const id of cameraIds) await setDeviceStreamUrl(db, id, cameras.url(id));
      }
      // Simulated time starts now that the fleet is registered.
      clock = createSimClock({ startAt: clock.startAt, speed, real });
      running = true;
      for (const device of fleet) {
        const entry: Running = { device, token: tokens.get(device.id) as string, random: seededRandom(seed ^ hashString(device.id)), cut: false };
        if (device.kind === 'speaker') {
          entry.speaker = createSimSpeaker({ device, client: () => entry.client, ffmpegPath, clock: { now: () => clock.now() }, logger, fault: () => engine.speakerFault(device.id, clock.now()) });
        }
        devices.set(device.id, entry);
      }
      const rate = deps.connectRate ?? Math.floor(0.8 * (config.gatewayConnectRate ?? 0));
      const connections = await Promise.allSettled(
        [...devices.values()].map(async (entry, i) => {
          if (rate > 0) await new Promise((resolve) => setTimeout(resolve, (1000 * i) / rate));
          if (running) await connect(entry);
        }),
      );
      for (const c of connections) if (c.status === 'rejected') logger.error({ err: (c.reason as Error).message }, 'simulated device not connected');
      scheduleIncidents();
      for (const entry of devices.values()) {
        const interval = deps.intervalMs ?? entry.device.intervalMs;
        const first = Math.round(clock.startAt + interval * entry.random());
        at(first, () => {
          report(entry, first);
          nextReport(entry, first);
        });
      }
      logger.info({ connected: [...devices.values()].filter((e) => e.client).length, url, speed, scenario: plan.name }, 'simulated fleet running');
    },
    async stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const entry of devices.values()) entry.speaker?.close();
      await Promise.all([...devices.values()].map((entry) => entry.client?.endAsync()));
      devices.clear();
      await cameras?.stop();
      resolveFinished();
    },
    health(): Health {
      const entries = [...devices.values()];
      const connected = entries.filter((e) => e.client?.connected).length;
      const expected = entries.filter((e) => !e.cut).length;
      const status = !running || connected === 0 ? 'down' : connected >= expected ? 'ok' : 'degraded';
      return { status, devices: fleet.length, connected, published, failed, pending, scenario: plan.name, simTime: new Date(clock.now()).toISOString() };
    },
  };
}
