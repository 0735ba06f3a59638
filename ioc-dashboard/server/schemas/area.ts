import { Type } from '@fastify/type-provider-typebox';

/** GET /api/areas: the province's areas as GeoJSON; browser-safe (the web app takes its types from here). */
const Position = Type.Array(Type.Number(), { minItems: 2 });
const Polygon = Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(Position)) });
const MultiPolygon = Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Type.Array(Type.Array(Position))) });

export const AreaCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  attribution: Type.String(),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      properties: Type.Object({
        id: Type.String(),
        name: Type.String(),
        level: Type.Union([Type.Literal('city'), Type.Literal('ward'), Type.Literal('commune')]),
        parentId: Type.Union([Type.String(), Type.Null()]),
      }),
      geometry: Type.Union([Polygon, MultiPolygon]),
    }),
  ),
});
