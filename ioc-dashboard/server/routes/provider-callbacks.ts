import { timingSafeEqual } from 'node:crypto';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Clock, Db } from '@ioc/core';
import { applyDeliveryReceipt, esmsReceipt, zaloReceipt } from '@ioc/alerting';
import { errorResponses, notFound } from '../errors.ts';

const SecretParams = Type.Object({ secret: Type.String({ minLength: 1, maxLength: 256 }) });
const Ok = Type.Object({ ok: Type.Boolean(), matched: Type.Boolean() });

/** eSMS's callback query (HTTP GET): the fields read; any others it adds are ignored. */
const EsmsCallbackQuery = Type.Object(
  {
    SMSID: Type.Optional(Type.String({ maxLength: 128 })),
    RequestId: Type.Optional(Type.String({ maxLength: 128 })),
    SendStatus: Type.Optional(Type.String({ maxLength: 8 })),
    SendSuccess: Type.Optional(Type.String({ maxLength: 16 })),
    SendFailed: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: true },
);

/** A Zalo webhook event: the fields read. */
const ZaloEvent = Type.Object(
  {
    event_name: Type.String({ maxLength: 128 }),
    message: Type.Optional(Type.Object({ msg_id: Type.Optional(Type.String({ maxLength: 128 })), tracking_id: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

/**
 * /api/provider-callbacks/…/{secret}: delivery receipts from eSMS (GET, as eSMS calls the CallbackUrl) and Zalo
 * (POST, its webhook events). Public, as providers cannot sign in; the secret in the path (IOC_NOTIFY_CALLBACK_SECRET,
 * compared in constant time) is what admits them, and a wrong one is answered as a route that does not exist.
 */
export const providerCallbackRoutes: FastifyPluginAsyncTypebox<{ db: Db; clock: Clock; secret?: string }> = async (app, { db, clock, secret }) => {
  const expected = secret ? Buffer.from(secret) : undefined;
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const given = Buffer.from((request.params as { secret?: string }).secret ?? '');
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) throw notFound('no such route');
  });

  app.get(
    '/provider-callbacks/esms/:secret',
    { schema: { summary: 'eSMS delivery receipt (its CallbackUrl)', security: [], params: SecretParams, querystring: EsmsCallbackQuery, response: { 200: Ok, ...errorResponses(400, 404) } } },
    async (request) => {
      const receipt = esmsReceipt(request.query as Record<string, string | undefined>);
      return { ok: true, matched: receipt ? await applyDeliveryReceipt(db, receipt, clock.now()) : false };
    },
  );

  app.post(
    '/provider-callbacks/zalo/:secret',
    { schema: { summary: 'Zalo webhook event (user_received_message marks a ZNS or OA message delivered)', security: [], params: SecretParams, body: ZaloEvent, response: { 200: Ok, ...errorResponses(400, 404) } } },
    async (request) => {
      const receipt = zaloReceipt(request.body);
      return { ok: true, matched: receipt ? await applyDeliveryReceipt(db, receipt, clock.now()) : false };
    },
  );
};
