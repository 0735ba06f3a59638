import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { overallStatus, type Health } from '@ioc/core';
import { HealthStatus } from '@ioc/core/contracts';
import type { Guard } from '../auth/guard.ts';

/** A part's status and whatever details it gives (a service's are what it publishes on the bus, ServiceHealth). */
const PartHealth = Type.Object({ status: HealthStatus }, { additionalProperties: true });

export const HealthResponse = Type.Object({
  status: HealthStatus,
  services: Type.Record(Type.String(), PartHealth),
});

export interface HealthRoutesOptions {
  /** Health of each part, by name (every service on the bus, the dashboard itself, db, telemetry store). */
  check: () => Promise<Record<string, Health>>;
  guard: Guard;
}

/**
 * GET /api/health: no session needed for each part's status (probes, load balancers); its details (errors,
 * versions, counters, reasons) only for signed-in users, since they tell an attacker what runs and what fails.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { check, guard }) => {
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
