import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createDevice, DeviceError, findArea, getDevice, listDevices, type Db, type Device, type TelemetryStore } from '@ioc/core';
import { ApiError, errorResponses, notFound } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { DeviceItem, deviceItem } from './device-item.ts';

export const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const NewDeviceBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    kind: Type.String({ minLength: 1 }),
    areaId: Type.Optional(Type.String({ minLength: 1 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  },
  { additionalProperties: false },
);

export interface DeviceRoutesOptions {
  db: Db;
  telemetry: TelemetryStore;
  guard: Guard;
  /** Told about each device registered here (the live feed caches kinds). */
  onCreated?: (device: Device) => void;
}

const DEVICE_ERROR_STATUS: Record<DeviceError['code'], number> = { invalid_device: 400, unknown_area: 400, device_exists: 409, unknown_device: 404 };

export const deviceRoutes: FastifyPluginAsyncTypebox<DeviceRoutesOptions> = async (app, { db, telemetry, guard, onCreated }) => {
  app.addHook('onRequest', guard('viewer'));

  app.get(
    '/devices',
    { schema: { summary: 'All devices with their latest reading', response: { 200: Type.Object({ items: Type.Array(DeviceItem) }), ...errorResponses(401) } } },
    async () => {
      const [devices, latest] = await Promise.all([listDevices(db), telemetry.latest()]);
      return { items: devices.map((d) => deviceItem(d, latest.get(d.id))) };
    },
  );

  app.get(
    '/devices/:id',
    { schema: { summary: 'One device', params: DeviceParams, response: { 200: DeviceItem, ...errorResponses(400, 401, 404) } } },
    async (request) => {
      const device = await getDevice(db, request.params.id);
      if (!device) throw notFound(`no device "${request.params.id}"`);
      const latest = await telemetry.latest([device.id]);
      return deviceItem(device, latest.get(device.id));
    },
  );

  app.post(
    '/devices',
    {
      onRequest: guard('admin'),
      schema: {
        summary: 'Register a device; its token is returned once',
        body: NewDeviceBody,
        response: { 201: Type.Object({ id: Type.String(), token: Type.String() }), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const areaId = body.areaId ?? (body.lat !== undefined && body.lon !== undefined ? findArea(body.lon, body.lat)?.id : undefined);
      try {
        const { device, token } = await createDevice(db, { ...body, areaId });
        request.log.info({ deviceId: device.id, kind: device.kind, by: request.user?.username }, 'device registered');
        onCreated?.(device);
        return reply.code(201).send({ id: device.id, token });
      } catch (error) {
        if (error instanceof DeviceError) throw new ApiError(DEVICE_ERROR_STATUS[error.code], error.code, error.message);
        throw error;
      }
    },
  );
};
