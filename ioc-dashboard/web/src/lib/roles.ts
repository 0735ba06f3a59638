import type { User } from './types.ts';

/** What a role may do in the alerting pages, as the server's guards decide it (admin > operator > the others). */
export const canOperate = (user: User) => user.role === 'operator' || user.role === 'admin';
export const isAdmin = (user: User) => user.role === 'admin';
