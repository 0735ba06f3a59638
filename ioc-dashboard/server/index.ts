export { createDashboardService, type DashboardDeps, type DashboardService } from './service.ts';
export { loadDashboardConfig, type DashboardConfig } from './config.ts';
export { buildDashboardApp, type DashboardAppDeps } from './app.ts';
export { createSessionStore, SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from './auth/sessions.ts';
export { ADMIN_PASSWORD_FILE, ADMIN_USERNAME, bootstrapAdmin } from './auth/bootstrap.ts';
export type { LiveEvents } from './live/socket-server.ts';
