import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createDeviceRegistry, type AreaSet, type BackoffPolicy, type BusAnnouncement, type Clock, type CredentialChange, type Db, type DeviceCommands, type Health, type Logger, type TelemetryStore } from '@ioc/core';
import { createGuard } from './auth/guard.ts';
import type { SessionStore } from './auth/sessions.ts';
import { frameworkErrors, installErrorHandlers } from './errors.ts';
import { createAlertLifecycle, createAlertRules, type AlertBus } from '@ioc/alerting';
import { accountRoutes } from './routes/accounts.ts';
import { alertRuleRoutes } from './routes/alert-rules.ts';
import { alertRoutes } from './routes/alerts.ts';
import { anomalyRoutes } from './routes/anomalies.ts';
import { areaRoutes } from './routes/areas.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { commandRoutes } from './routes/commands.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { deviceRoutes } from './routes/devices.ts';
import { escalationPolicyRoutes } from './routes/escalation-policies.ts';
import { healthRoutes } from './routes/health.ts';
import { maintenanceWindowRoutes } from './routes/maintenance-windows.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { providerCallbackRoutes } from './routes/provider-callbacks.ts';
import { silenceRoutes } from './routes/silences.ts';
import { subscriberRoutes } from './routes/subscribers.ts';
import { telemetryRoutes } from './routes/telemetry.ts';
import { echoRequestId, REQUEST_ID_LOG_LABEL, requestIdOptions } from './request-id.ts';
import { registerSecurityHeaders } from './security/headers.ts';
import { refuseNulCharacters } from './security/nul-guard.ts';
import { refuseCrossOriginWrites } from './security/origin.ts';
import { registerWebApp } from './web-app.ts';

export interface DashboardAppDeps {
  logger: Logger;
  db: Db;
  telemetry: TelemetryStore;
  clock: Clock;
  sessions: SessionStore;
  health: () => Promise<Record<string, Health>>;
  /**
   * Publishes registry records and credential changes on the bus (core's announceOnBus); rejects when it cannot.
   * Without it (an app with no bus) changes are stored and answered with `gatewayNotified: false`.
   */
  announce?: (announcement: BusAnnouncement) => Promise<void>;
  /** The province's areas and their attribution (IOC_AREAS_DIR). */
  areaSet: AreaSet;
  /** The device command path; without it the API has no command routes (an app with no bus). */
  commands?: DeviceCommands;
  /** The built web app (default ioc-dashboard/web/dist). */
  webDir: string;
  /** HTTP login backoff policies (default: as MQTT logins); tests shorten them. */
  loginBackoff?: { username: BackoffPolicy; ip: BackoffPolicy };
  /** The reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (IOC_TRUST_PROXY); none by default. */
  trustProxy?: string[];
  /**
   * Publishes alert states and rule changes (the live alert feed's connection). Without it (an app with no bus)
   * changes are stored, and the alerting service reads rules again within a minute.
   */
  alertBus?: AlertBus;
  /** The secret in the providers' delivery-receipt URLs (IOC_NOTIFY_CALLBACK_SECRET); without it receipts are refused. */
  providerCallbackSecret?: string;
}

/** The dashboard's Fastify app: one plugin per API area under /api, OpenAPI at /api/docs, the web app elsewhere. */
export async function buildDashboardApp(deps: DashboardAppDeps): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const base = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: REQUEST_ID_LOG_LABEL }),
    bodyLimit: 1 << 20,
    trustProxy: deps.trustProxy ?? false,
    frameworkErrors,
    ...requestIdOptions(deps.trustProxy !== undefined),
  });
  base.setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandlers(base);
  echoRequestId(base);
  await registerSecurityHeaders(base);
  refuseCrossOriginWrites(base);
  refuseNulCharacters(base);
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(fastifyCookie);

  const guard = createGuard(deps.sessions);
  const { db, telemetry, clock, sessions } = deps;
  const announce = deps.announce ?? (() => Promise.reject(new Error('this app has no MQTT bus')));
  const noBus = () => Promise.reject(new Error('this app has no MQTT bus'));
  const alertBus = deps.alertBus ?? { alert: noBus, ruleChange: noBus };
  const alertLifecycle = createAlertLifecycle({ db, clock, logger: deps.logger, publish: (alert) => alertBus.alert(alert) });
  const alertRules = createAlertRules({ db, clock, logger: deps.logger, announce: (change) => alertBus.ruleChange(change) });
  const registry = createDeviceRegistry({ db, clock, logger: deps.logger, announce, areas: deps.areaSet.areas });
  const announceCredentialChange = (change: CredentialChange) =>
    announce({ credentials: [change] }).then(
      () => true,
      (error: unknown) => {
        deps.logger.warn({ err: error, ...change }, 'could not announce a credential change to the gateway');
        return false;
      },
    );

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Huế IOC API', version: '0.1.0', description: 'Intelligent Operations Centre: devices, telemetry, anomalies, areas' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'ioc_session' } } },
      security: [{ session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiHooks: { onRequest: guard('viewer') } });

  await app.register(
    async (api) => {
      await api.register(healthRoutes, { check: deps.health, guard, db });
      await api.register(authRoutes, { prefix: '/auth', db, sessions, guard, clock, backoff: deps.loginBackoff });
      await api.register(deviceRoutes, { db, telemetry, guard, registry });
      if (deps.commands) await api.register(commandRoutes, { commands: deps.commands, guard });
      await api.register(auditRoutes, { db, guard });
      await api.register(accountRoutes, { db, guard, clock, announce: announceCredentialChange });
      await api.register(telemetryRoutes, { db, telemetry, guard, clock });
      await api.register(deadLetterRoutes, { db, guard });
      await api.register(anomalyRoutes, { db, guard });
      await api.register(alertRuleRoutes, { rules: alertRules, guard });
      await api.register(alertRoutes, { db, lifecycle: alertLifecycle, guard });
      await api.register(areaRoutes, { db, guard, attribution: deps.areaSet.attribution });
      await api.register(subscriberRoutes, { db, guard, clock });
      await api.register(escalationPolicyRoutes, { db, guard, clock });
      await api.register(silenceRoutes, { db, guard, clock });
      await api.register(maintenanceWindowRoutes, { db, guard, clock });
      await api.register(notificationRoutes, { db, guard });
      await api.register(providerCallbackRoutes, { db, clock, secret: deps.providerCallbackSecret });
    },
    { prefix: '/api' },
  );

  await registerWebApp(base, deps.webDir);
  return base;
}
