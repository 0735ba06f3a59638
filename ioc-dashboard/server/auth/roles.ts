import type { Role } from '@ioc/core';

/** admin > operator > radio_lead = radio = viewer. */
const RANK: Record<Role, number> = { admin: 3, operator: 2, radio_lead: 1, radio: 1, viewer: 1 };

export function hasRole(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}
