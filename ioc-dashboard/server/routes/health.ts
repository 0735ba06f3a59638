import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { overallStatus, type Health } from '@ioc/core';
import { HealthStatus } from '@ioc/core/contracts';

/** A part's status and whatever details it gives (a service's are what it publishes on the bus, ServiceHealth). */
const PartHealth = Type.Object({ status: HealthStatus }, { additionalProperties: true });

export const HealthResponse = Type.Object({
  status: HealthStatus,
  services: Type.Record(Type.String(), PartHealth),
});

export interface HealthRoutesOptions {
  /** Health of each part, by name (every service on the bus, the dashboard itself, db, telemetry store). */
  check: () => Promise<Record<string, Health>>;
}

/** GET /api/health: no session needed. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { check }) => {
  app.get(
    '/health',
    { schema: { summary: 'Health of the IOC and its parts', response: { 200: HealthResponse } } },
    async () => {
      const services = await check();
      return { status: overallStatus(Object.values(services).map((h) => h.status)), services };
    },
  );
};
