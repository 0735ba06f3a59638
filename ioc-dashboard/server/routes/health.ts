import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { overallStatus, type Health } from '@ioc/core';

const HealthSchema = Type.Object(
  { status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]) },
  { additionalProperties: true },
);

export const HealthResponse = Type.Object({
  status: HealthSchema.properties.status,
  services: Type.Record(Type.String(), HealthSchema),
});

export interface HealthRoutesOptions {
  /** Health of each part, by name (the dashboard itself, db, telemetry store, other services). */
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
