import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeviceError, getDevice, parseDevicesCsv, type DeviceRegistry, type NewDevice, type RegistryActor, type TelemetryStore, type Db } from '@ioc/core';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { createDeviceList } from './device-list.ts';
import { DeviceItem, MapDeviceItem } from '../schemas/device-item.ts';
import { deviceItemOf } from './device-item.ts';

export const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const DeviceListQuery = Type.Object(
  { view: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('map')], { description: 'full (default): every field; map: id, kind, areaId, lat, lon, online, latest' })) },
  { additionalProperties: false },
);

const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Union([Type.String({ maxLength: 512 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 50,
});

const NewDeviceBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    kind: Type.String({ minLength: 1 }),
    areaId: Type.Optional(Type.String({ minLength: 1 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    attributes: Type.Optional(Attributes),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const DeviceChangesBody = Type.Object(
  {
    kind: Type.Optional(Type.String({ minLength: 1 })),
    areaId: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    lat: Type.Optional(Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()])),
    lon: Type.Optional(Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()])),
    attributes: Type.Optional(Attributes),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const BulkBody = Type.Union([Type.Object({ devices: Type.Array(NewDeviceBody, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }), Type.String()], {
  description: 'JSON {"devices": [...]} or, with Content-Type text/csv, CSV with a header row (id, kind, area, lat, lon, enabled; other columns become attributes)',
});

const Credentials = Type.Object({ id: Type.String(), token: Type.String() });

/** A bulk registration refused as a whole: every problem, by list index (JSON) or line (CSV); a body of the wrong shape has no details. */
const BulkRefusal = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ index: Type.Optional(Type.Number()), line: Type.Optional(Type.Number()), id: Type.Optional(Type.String()), message: Type.String() }))),
  }),
});

/** Whether the gateways were told over the bus (false: the change is stored but open connections stay until they reconnect). */
const GatewayNotified = Type.Boolean();

export interface DeviceRoutesOptions {
  db: Db;
  telemetry: TelemetryStore;
  guard: Guard;
  /** The registry's use-cases (core's device-registry.ts): each write is audited and announced on the bus. */
  registry: DeviceRegistry;
}

const DEVICE_ERROR_STATUS: Record<DeviceError['code'], number> = { invalid_device: 400, unknown_area: 400, device_exists: 409, unknown_device: 404 };

function apiError(error: unknown): unknown {
  return error instanceof DeviceError ? new ApiError(DEVICE_ERROR_STATUS[error.code], error.code, error.message) : error;
}

/**
 * /api/devices: everyone signed in reads the registry; admins register devices (one, or many from JSON or CSV),
 * change them, rotate and revoke tokens. Each change is audited, and credential changes are announced to the
 * gateways, which drop their cached credentials and disconnect the device at once.
 */
export const deviceRoutes: FastifyPluginAsyncTypebox<DeviceRoutesOptions> = async (app, { db, telemetry, guard, registry }) => {
  app.addHook('onRequest', guard('viewer'));
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const by = (request: FastifyRequest): RegistryActor => ({ actor: `user:${request.user?.username ?? 'unknown'}`, remoteAddress: request.ip });
  const logChange = (request: FastifyRequest, action: string, target: string) =>
    request.log.info({ action, target, by: request.user?.username }, 'device registry changed');
  /** A registry refusal as the API's error (400, 404, 409). */
  const refused = (error: unknown): never => {
    throw apiError(error);
  };

  const list = createDeviceList(db);
  app.get(
    '/devices',
    {
      schema: {
        summary: 'All devices with their latest reading: every field and the raised anomalies, or with view=map only what the wall map draws',
        querystring: DeviceListQuery,
        response: { 200: Type.Object({ items: Type.Union([Type.Array(DeviceItem), Type.Array(MapDeviceItem)]) }), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const json = await list.json(request.query.view ?? 'full');
      // JSON text already (device-list.ts): Fastify sends a string of type application/json as it is, unserialised.
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(json);
    },
  );

  app.get(
    '/devices/:id',
    { schema: { summary: 'One device', params: DeviceParams, response: { 200: DeviceItem, ...errorResponses(400, 401, 404) } } },
    async (request) => {
      const device = await getDevice(db, request.params.id);
      if (!device) throw notFound(`no device "${request.params.id}"`);
      return deviceItemOf(db, telemetry, device);
    },
  );

  app.post(
    '/devices',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Register a device; its token is returned once',
        body: NewDeviceBody,
        response: { 201: Credentials, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { device, token } = await registry.register(request.body, by(request)).catch(refused);
      logChange(request, 'device.create', device.id);
      return reply.code(201).send({ id: device.id, token });
    },
  );

  app.post(
    '/devices/bulk',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Register many devices at once, all or nothing; their tokens are returned once',
        body: BulkBody,
        response: { 201: Type.Object({ items: Type.Array(Credentials) }), 400: BulkRefusal, ...errorResponses(401, 403, 415) },
      },
    },
    async (request, reply) => {
      const refuse = (details: Array<{ index?: number; line?: number; id?: string; message: string }>) =>
        reply.code(400).send({ error: { code: 'invalid_devices', message: `${details.length} device(s) refused; nothing was registered`, details } });
      let devices: Array<NewDevice & { line?: number }>;
      if (typeof request.body === 'string') {
        const parsed = parseDevicesCsv(request.body);
        if (parsed.errors.length > 0) return refuse(parsed.errors);
        if (parsed.devices.length === 0) return refuse([{ line: 2, message: 'the CSV has no devices' }]);
        devices = parsed.devices;
      } else devices = request.body.devices;
      const result = await registry.registerMany(devices, by(request));
      if (!result.ok) {
        return refuse(result.errors.map((e) => ({ ...(devices[e.index]?.line ? { line: devices[e.index]?.line } : { index: e.index }), id: e.id, message: e.message })));
      }
      logChange(request, 'device.create', 'bulk');
      return reply.code(201).send({ items: result.created.map(({ device, token }) => ({ id: device.id, token })) });
    },
  );

  app.patch(
    '/devices/:id',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Change a device (kind, area, location, attributes, enabled); disabling disconnects it',
        params: DeviceParams,
        body: DeviceChangesBody,
        response: { 200: Type.Object({ device: DeviceItem, gatewayNotified: GatewayNotified }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const updated = await registry.update(id, request.body, by(request)).catch(refused);
      if (!updated) throw notFound(`no device "${id}"`);
      logChange(request, 'device.update', id);
      return { device: await deviceItemOf(db, telemetry, updated.device), gatewayNotified: updated.gatewayNotified };
    },
  );

  app.post(
    '/devices/:id/token',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Issue a new token (returned once); the old one stops working and its connections are closed',
        params: DeviceParams,
        response: { 200: Type.Object({ id: Type.String(), token: Type.String(), gatewayNotified: GatewayNotified }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const rotated = await registry.rotate(id, by(request));
      if (!rotated) throw notFound(`no device "${id}"`);
      logChange(request, 'device.rotate', id);
      return { id, ...rotated };
    },
  );

  app.delete(
    '/devices/:id',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Remove a device from the registry and disconnect it; its telemetry history stays',
        params: DeviceParams,
        response: { 200: Type.Object({ id: Type.String(), gatewayNotified: GatewayNotified }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const removed = await registry.remove(id, by(request));
      if (!removed) throw notFound(`no device "${id}"`);
      logChange(request, 'device.delete', id);
      return { id, ...removed };
    },
  );

  app.post(
    '/devices/:id/revoke',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Revoke the device\'s token and disconnect it at once; it stays out until a new token is issued',
        params: DeviceParams,
        response: { 200: Type.Object({ device: DeviceItem, gatewayNotified: GatewayNotified }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const revoked = await registry.revoke(id, by(request));
      if (!revoked) throw notFound(`no device "${id}"`);
      logChange(request, 'device.revoke', id);
      return { device: await deviceItemOf(db, telemetry, revoked.device), gatewayNotified: revoked.gatewayNotified };
    },
  );
};
