import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { overallStatus, type Db, type Health } from '@ioc/core';
import { HealthStatus } from '@ioc/core/contracts';
import type { Guard } from '../auth/guard.ts';

/** A part's status and whatever details it gives (a service's are what it publishes on the bus, ServiceHealth). */
const PartHealth = Type.Object({ status: HealthStatus }, { additionalProperties: true });

export const HealthResponse = Type.Object({
  status: HealthStatus,
  services: Type.Record(Type.String(), PartHealth),
});

/** How long the readiness probe waits for the database before it answers 503 (a balancer's probe times out too). */
const READY_DB_TIMEOUT_MS = 2000;

const ProbeResponse = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('down')]) });

export interface HealthRoutesOptions {
  /** Health of each part, by name (every service on the bus, the dashboard itself, db, telemetry store). */
  check: () => Promise<Record<string, Health>>;
  guard: Guard;
  /** The database this process serves from: the readiness probe asks it `SELECT 1`. */
  db: Pick<Db, 'query'>;
}

/** Whether `db` answers within READY_DB_TIMEOUT_MS. */
async function databaseAnswers(db: Pick<Db, 'query'>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_DB_TIMEOUT_MS)));
  const answer = db.query('SELECT 1').then(() => true, () => false);
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/health: no session needed for each part's status (probes, load balancers); its details (errors,
 * versions, counters, reasons) only for signed-in users, since they tell an attacker what runs and what fails.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { check, guard, db }) => {
  // For load balancers and orchestrators: cheap, no session, the answer in the status code. Liveness is this process
  // answering at all; readiness adds its database, without which it serves nothing. Neither asks the bus or the
  // other services: an outage they share would take every dashboard out of the balancer at once.
  app.get(
    '/health/live',
    { schema: { summary: 'Liveness probe: 200 while this dashboard process answers', response: { 200: ProbeResponse } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/health/ready',
    {
      schema: {
        summary: 'Readiness probe: 200 when this dashboard process can serve (its database answers), else 503',
        response: { 200: ProbeResponse, 503: ProbeResponse },
      },
    },
    async (_request, reply) => {
      if (await databaseAnswers(db)) return { status: 'ok' as const };
      return reply.code(503).send({ status: 'down' as const });
    },
  );

  app.get(
    '/health',
    {
      schema: {
        summary: 'Health of the IOC and its parts: each part\'s status for anyone, its details for signed-in users',
        response: { 200: HealthResponse },
      },
    },
    async (request) => {
      const services = await check();
      const status = overallStatus(Object.values(services).map((h) => h.status));
      // A session that cannot be looked up (the database is down) sees what anyone sees: health must still answer.
      if (await guard.identify(request).catch(() => undefined)) return { status, services };
      return { status, services: Object.fromEntries(Object.entries(services).map(([name, health]) => [name, { status: health.status }])) };
    },
  );
};
