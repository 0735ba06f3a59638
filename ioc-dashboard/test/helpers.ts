import type { FastifyInstance } from 'fastify';
import {
  createLogger,
  createPgliteDb,
  createSqlTelemetryStore,
  migrate,
  loadAreaSet,
  seedAreas,
  upsertUser,
  type Db,
  type Health,
  type Role,
  type TelemetryStore,
} from '@ioc/core';
import { buildDashboardApp, createSessionStore, type DashboardAppDeps } from '../server/index.ts';

export const logger = createLogger({ level: 'silent' });

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2026, 0, 15, 8, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** In-memory PGlite, migrated and seeded with the Huế areas, and the SQL telemetry store on it. */
export async function openStores(): Promise<{ db: Db; telemetry: TelemetryStore }> {
  const db = await createPgliteDb();
  await migrate(db);
  await seedAreas(db);
  return { db, telemetry: createSqlTelemetryStore(db) };
}

export const PASSWORDS: Record<Role, string> = {
  admin: 'admin-password-1',
  operator: 'operator-password-1',
  radio_lead: 'radio-lead-password-1',
  radio: 'radio-password-1',
  viewer: 'viewer-password-1',
};

/** One user per role, named after the role. */
export async function addUsers(db: Db): Promise<void> {
  for (const [role, password] of Object.entries(PASSWORDS)) await upsertUser(db, role, password, role as Role);
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  telemetry: TelemetryStore;
  clock: ReturnType<typeof manualClock>;
  close(): Promise<void>;
}

/** The dashboard's Fastify app on a fresh database with one user per role (no listening socket, no MQTT). */
export async function openTestApp(
  options: {
    webDir?: string;
    health?: () => Promise<Record<string, Health>>;
    announce?: DashboardAppDeps['announce'];
    loginBackoff?: DashboardAppDeps['loginBackoff'];
    trustProxy?: DashboardAppDeps['trustProxy'];
    logger?: DashboardAppDeps['logger'];
    providerCallbackSecret?: DashboardAppDeps['providerCallbackSecret'];
    /** The command path's use-case (core's createDeviceCommands); without it the app has no command routes. */
    commands?: (stores: { db: Db; clock: ReturnType<typeof manualClock> }) => DashboardAppDeps['commands'];
  } = {},
): Promise<TestApp> {
  const { db, telemetry } = await openStores();
  await addUsers(db);
  const clock = manualClock();
  const app = await buildDashboardApp({
    logger: options.logger ?? logger,
    areaSet: loadAreaSet(),
    db,
    telemetry,
    clock,
    sessions: createSessionStore(db, clock),
    health: options.health ?? (async () => ({ db: { status: 'ok' } })),
    webDir: options.webDir ?? '/nonexistent/web/dist',
    announce: options.announce,
    loginBackoff: options.loginBackoff,
    trustProxy: options.trustProxy,
    providerCallbackSecret: options.providerCallbackSecret,
    commands: options.commands?.({ db, clock }),
  });
  await app.ready();
  return {
    app,
    db,
    telemetry,
    clock,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** Signs in and returns the Cookie header value for later requests. */
export async function signIn(app: FastifyInstance, role: Role): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: role, password: PASSWORDS[role] } });
  if (response.statusCode !== 200) throw new Error(`sign-in as ${role} failed: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === 'ioc_session');
  if (!cookie) throw new Error('no session cookie');
  return `ioc_session=${cookie.value}`;
}
