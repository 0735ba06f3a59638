/**
 * The web app's names for the server's shapes. Each is taken from where the server declares it — the API's TypeBox
 * schemas (ioc-dashboard/server/schemas/), its socket.io events (server/live/live-events.ts) and the bus contracts
 * (@ioc/core/contracts) — so the two cannot drift apart; none is written out here.
 */
import type { Static } from '@fastify/type-provider-typebox';
import type { AnomalyEvent } from '@ioc/core/contracts';
import type { LiveEvents } from '../../../server/live/live-events.ts';
import type { AreaCollection as AreaCollectionSchema } from '../../../server/schemas/area.ts';
import type { AnomalyItem as AnomalyItemSchema } from '../../../server/schemas/anomaly-item.ts';
import type { MapDeviceItem } from '../../../server/schemas/device-item.ts';
import type { User as UserSchema } from '../../../server/schemas/user.ts';
import type { AlertComment as AlertCommentSchema, AlertDetailItem, AlertItem as AlertItemSchema } from '../../../server/schemas/alert-item.ts';
import type { AlertsQuery as AlertsQuerySchema } from '../../../server/schemas/alerts.ts';
import type { SubscriberPatch as SubscriberPatchSchema } from '../../../server/schemas/subscribers.ts';

export type Metrics = Record<string, number>;

/** A time as the formatters take it: epoch milliseconds or an ISO 8601 string. */
export type Timestamp = number | string;

/** An item of GET /api/devices?view=map. */
export type DeviceItem = Static<typeof MapDeviceItem>;

export type User = Static<typeof UserSchema>;

/** GET /api/areas. */
export type AreaCollection = Static<typeof AreaCollectionSchema>;
export type AreaFeature = AreaCollection['features'][number];

/** socket.io `telemetry` event. */
export type TelemetryEvent = Parameters<LiveEvents['telemetry']>[0];

/** socket.io `status` event. */
export type StatusEvent = Parameters<LiveEvents['status']>[0];

/** An anomaly: a GET /api/anomalies item (with the stored row's `id`), or the socket.io `anomaly` event (without). */
export type AnomalyItem = Static<typeof AnomalyItemSchema> | AnomalyEvent;

/** socket.io `alert` event: an alert's whole state after a change (as on ioc/v1/alerts/{id}). */
export type AlertEvent = Parameters<LiveEvents['alert']>[0];

/** An item of GET /api/alerts (the alert with `title`, its Vietnamese title). */
export type AlertItem = Static<typeof AlertItemSchema>;

/** GET /api/alerts/{id}: the alert with its history and comments. */
export type AlertDetail = Static<typeof AlertDetailItem>;
export type AlertComment = Static<typeof AlertCommentSchema>;

/** GET /api/alerts' filters. */
export type AlertsQuery = Static<typeof AlertsQuerySchema>;

/** /api/alert-rules: a stored rule, a new one (POST) and a change (PATCH), as @ioc/alerting declares them. */
export type { AlertRule, AlertRulePatch, NewAlertRule, RuleType } from '@ioc/alerting';

/** /api/silences and /api/subscribers, as @ioc/alerting declares them. */
export type { EscalationPolicy, GroupField, Matcher, MatcherName, NewSilence, NewSubscriber, Silence, Subscriber } from '@ioc/alerting';

/** PATCH /api/subscribers/{id}. */
export type SubscriberPatch = Static<typeof SubscriberPatchSchema>;
