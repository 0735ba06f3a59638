import { Type } from '@fastify/type-provider-typebox';
import { NewSubscriber, QuietHours } from '@ioc/alerting';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * PATCH /api/subscribers/{id}: the fields given replace the subscriber's; null clears an optional one. Built on the
 * alerting package's subscriber schema; the web app takes only its type from here.
 */
export const SubscriberPatch = Type.Object(
  {
    name: Type.Optional(NewSubscriber.properties.name),
    phone: Type.Optional(NewSubscriber.properties.phone),
    zaloUserId: Type.Optional(Nullable(NewSubscriber.properties.zaloUserId)),
    channels: Type.Optional(NewSubscriber.properties.channels),
    webhookUrl: Type.Optional(Nullable(NewSubscriber.properties.webhookUrl)),
    areaIds: Type.Optional(Nullable(NewSubscriber.properties.areaIds)),
    kinds: Type.Optional(Nullable(NewSubscriber.properties.kinds)),
    minSeverity: Type.Optional(NewSubscriber.properties.minSeverity),
    language: Type.Optional(NewSubscriber.properties.language),
    quietHours: Type.Optional(Nullable(QuietHours)),
  },
  { additionalProperties: false, minProperties: 1 },
);
