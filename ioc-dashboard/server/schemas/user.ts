import { Type } from '@fastify/type-provider-typebox';

/** The signed-in user (POST /api/auth/login, GET /api/auth/me); browser-safe (the web app takes its types from here). */
export const User = Type.Object({
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('radio_lead'), Type.Literal('radio'), Type.Literal('viewer')]),
});

export const UserResponse = Type.Object({ user: User });
