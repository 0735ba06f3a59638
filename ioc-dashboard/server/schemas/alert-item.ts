import { Type, type Static } from '@fastify/type-provider-typebox';
import { Alert, AlertState as State } from '@ioc/core/contracts';

/** An alert as GET /api/alerts lists it: the alert (as on ioc/v1/alerts/{id}) and its title in Vietnamese. */
export const AlertItem = Type.Object({ ...Alert.properties, title: Type.String({ description: 'the Vietnamese title (titleVi); titleEn is the English one' }) });
export type AlertItem = Static<typeof AlertItem>;

export const AlertTransition = Type.Object({
  from: Type.Union([State, Type.Null()], { description: 'null when the alert was opened' }),
  to: State,
  by: Type.String({ description: 'user:<name>, or rule when its condition fired or cleared' }),
  at: Type.Number({ description: 'epoch ms' }),
  note: Type.Union([Type.String(), Type.Null()]),
});

export const AlertComment = Type.Object({ id: Type.Number(), author: Type.String(), text: Type.String(), at: Type.Number({ description: 'epoch ms' }) });

/** GET /api/alerts/{id}: the alert with every transition (who, when) and its comments, oldest first. */
export const AlertDetailItem = Type.Object({ ...AlertItem.properties, history: Type.Array(AlertTransition), comments: Type.Array(AlertComment) });
