import { Type, type Static } from 'typebox';

/** The alert fields a rule may group its notifications by (Alertmanager's group_by, over our alert's fields). */
export const GROUP_FIELDS = ['deviceId', 'areaId', 'kind', 'metric', 'severity'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];
export const GroupField = Type.Enum(GROUP_FIELDS);

/** At most a day for the waits and a week for the repeat: longer would look like a lost notification. */
const Seconds = (maximum: number, description: string) => Type.Integer({ minimum: 0, maximum, description });

/**
 * `alert_rules.notify`: how a rule's alerts are notified. Every field is optional; a missing one takes the
 * configured default (IOC_NOTIFY_GROUP_BY, IOC_NOTIFY_GROUP_WAIT_S, IOC_NOTIFY_GROUP_INTERVAL_S,
 * IOC_NOTIFY_REPEAT_INTERVAL_S). The rule's own id is always part of its group.
 */
export const RuleNotify = Type.Object(
  {
    groupBy: Type.Optional(Type.Array(GroupField, { maxItems: GROUP_FIELDS.length, uniqueItems: true, description: 'alert fields whose values split the rule\'s alerts into groups, e.g. ["areaId"]' })),
    groupWaitS: Type.Optional(Seconds(86_400, 'seconds a new group waits for more alerts before its first notification')),
    groupIntervalS: Type.Optional(Seconds(86_400, 'seconds between notifications of changes in a group')),
    repeatIntervalS: Type.Optional(Seconds(604_800, 'seconds before a still-firing, unacknowledged group is notified again')),
    escalationPolicyId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the escalation policy (/api/escalation-policies) of its alerts' })),
  },
  { additionalProperties: false },
);
export type RuleNotify = Static<typeof RuleNotify>;
