import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Area, AreaGeometry, Db } from '@ioc/core';
import { errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { AreaCollection } from '../schemas/area.ts';

export interface AreaRoutesOptions {
  db: Db;
  guard: Guard;
  /** The area set's attribution line (its licence requires it wherever the areas are shown). */
  attribution: string;
}

/** GET /api/areas: the province's areas as GeoJSON, with the attribution the map must show. */
export const areaRoutes: FastifyPluginAsyncTypebox<AreaRoutesOptions> = async (app, { db, guard, attribution }) => {
  app.addHook('onRequest', guard('viewer'));

  app.get(
    '/areas',
    { schema: { summary: 'Areas (city, wards, communes) as a GeoJSON FeatureCollection', response: { 200: AreaCollection, ...errorResponses(401) } } },
    async () => {
      const { rows } = await db.query<{ id: string; name: string; level: Area['level']; parent_id: string | null; geometry: AreaGeometry }>(
        'SELECT id, name, level, parent_id, geometry FROM areas ORDER BY (parent_id IS NOT NULL), id',
      );
      return {
        type: 'FeatureCollection' as const,
        attribution,
        features: rows.map((r) => ({
          type: 'Feature' as const,
          properties: { id: r.id, name: r.name, level: r.level, parentId: r.parent_id },
          geometry: r.geometry,
        })),
      };
    },
  );
};
