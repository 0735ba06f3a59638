import { Type } from '@fastify/type-provider-typebox';
import { AlertSeverity, AlertState } from '@ioc/core/contracts';

/** GET /api/alerts' filters (browser-safe: the web app's alerts page builds its query from this shape). */
export const AlertsQuery = Type.Object(
  {
    state: Type.Optional(AlertState),
    severity: Type.Optional(AlertSeverity),
    areaId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  { additionalProperties: false },
);

/** POST /api/alerts/{id}/resolve. */
export const ResolveBody = Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false, description: '{} or {"note"}' });

/** POST /api/alerts/{id}/comments. */
export const CommentBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false });

/** POST /api/alerts/{id}/assign. */
export const AssignBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' }) }, { additionalProperties: false });
