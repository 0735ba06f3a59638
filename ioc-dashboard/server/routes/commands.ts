import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CommandError, DEFAULT_COMMAND_TTL_S, MAX_COMMAND_TTL_S, type DeviceCommands } from '@ioc/core';
import { CommandRecord } from '@ioc/core/contracts';
import type { Guard } from '../auth/guard.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { DeviceParams } from './devices.ts';

const NewCommandBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, description: "one of the commands the device's kind obeys (speaker: play, stop, volume)" }),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the arguments of that command, e.g. {"level": 50} for volume' })),
    ttlS: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COMMAND_TTL_S, description: `seconds the command may wait for its device (default ${DEFAULT_COMMAND_TTL_S})` })),
  },
  { additionalProperties: false },
);

const STATUS: Record<CommandError['code'], number> = { unknown_device: 404, forbidden: 403, invalid_command: 400, not_sent: 503 };

function apiError(error: unknown): unknown {
  return error instanceof CommandError ? new ApiError(STATUS[error.code], error.code, error.message) : error;
}

/**
 * /api/devices/:id/commands: send a device a command (operators and admins any device, radio staff loudspeakers)
 * and list what became of its commands. The use-case (check, record, audit, publish, acks, expiry) is core's.
 */
export const commandRoutes: FastifyPluginAsyncTypebox<{ commands: DeviceCommands; guard: Guard }> = async (app, { commands, guard }) => {
  app.addHook('onRequest', guard('viewer'));

  app.post(
    '/devices/:id/commands',
    {
      schema: {
        summary: 'Send a device a command: recorded, audited and published on its cmd topic with an expiry; its ack is tracked',
        params: DeviceParams,
        body: NewCommandBody,
        response: { 201: CommandRecord, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const user = request.user!;
      const record = await commands
        .send({ deviceId: request.params.id, ...request.body }, { actor: `user:${user.username}`, role: user.role, remoteAddress: request.ip })
        .catch((error: unknown) => {
          throw apiError(error);
        });
      return reply.code(201).send(record);
    },
  );

  app.get(
    '/devices/:id/commands',
    {
      schema: {
        summary: "A device's commands, newest first",
        params: DeviceParams,
        response: { 200: Type.Object({ items: Type.Array(CommandRecord) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({
      items: await commands.list(request.params.id).catch((error: unknown) => {
        throw apiError(error);
      }),
    }),
  );
};
