import {
  ANOMALY_LABELS,
  metricSpec,
  type AnomalyEvent,
  type BroadcastRequest,
  type Clock,
  type Db,
  type DeviceKind,
  type Logger,
  type RegistryRecord,
} from '@ioc/core';
import { RULE_ACTOR, type AlertLifecycle, type NewAlert } from '../lifecycle.ts';
import type { AlertRule } from '../rules/rule-schema.ts';
import { deleteCondition, loadConditions, saveCondition, type Condition } from './condition-store.ts';
import { inScope } from './scope.ts';
import { anomalyTexts, areaTexts, levelTexts, offlineTexts, type AlertTexts } from './templates.ts';

export interface Reading {
  metric: string;
  ts: number;
  value: number;
}

export interface RuleEngine {
  /** The rules in force (enabled ones are evaluated); conditions of rules gone or disabled are retired. */
  setRules(rules: readonly AlertRule[]): Promise<void>;
  /** Reads the conditions that held when the service stopped (call once, before any message). */
  restore(): Promise<void>;
  /** A device's readings; `heard: false` for metrics the IOC computed about it (they do not tell it is alive). */
  readings(device: RegistryRecord, readings: readonly Reading[], options?: { heard: boolean }): Promise<void>;
  status(device: RegistryRecord, online: boolean, ts: number): Promise<void>;
  anomaly(device: RegistryRecord, event: AnomalyEvent): Promise<void>;
  /** Fires pending conditions whose forS has passed and judges silent or offline devices. */
  tick(): Promise<void>;
  readonly counts: { evaluations: number; fired: number; resolved: number; pending: number; firing: number };
}

/** What a device's presence looked like last: the gateway's status and when it was last heard. */
interface Presence {
  record: RegistryRecord;
  online: boolean;
  /** Offline since (status), or last heard (telemetry, or the status saying it came online). */
  since: number;
}

/**
 * The rule engine: hears readings, device statuses and anomalies, and keeps one condition per rule and subject
 * (a device, a commune, a device's anomaly). A condition that holds is pending for the rule's forS, then fires an
 * alert through the lifecycle; a firing one resolves the alert when its clear level is reached (hysteresis). Each
 * condition change is written with its alert in one transaction (condition-store.ts), and every call is run one
 * after the other, so two readings never race for one fingerprint.
 */
export function createRuleEngine(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  lifecycle: AlertLifecycle;
  /** A commune's name by area id. */
  areaName(areaId: string): string | undefined;
  /** Every device of the registry as the bus last told it (area rules count a commune's devices). */
  devices(): Iterable<RegistryRecord>;
  /** Publishes an emergency broadcast request (ioc/v1/broadcast/requests). */
  requestBroadcast(request: BroadcastRequest): Promise<void>;
}): RuleEngine {
  const { db, clock, logger, lifecycle } = deps;
  let rules: AlertRule[] = [];
  const conditions = new Map<string, Condition>();
  /** The last reading of each device and metric (rate rules: the one before; area rules: each device's level). */
  const last = new Map<string, { ts: number; value: number }>();
  const presence = new Map<string, Presence>();
  const counts = { evaluations: 0, fired: 0, resolved: 0, pending: 0, firing: 0 };
  let queue: Promise<unknown> = Promise.resolve();
  const startedAt = clock.now();

  /** Runs calls one after the other; a failure is logged and does not stop the next. */
  function serial(task: () => Promise<void>): Promise<void> {
    const run = queue.then(task);
    queue = run.catch((error: unknown) => logger.error({ err: error }, 'alert rule evaluation failed'));
    return run;
  }

  function recount(): void {
    counts.pending = [...conditions.values()].filter((c) => c.status === 'pending').length;
    counts.firing = conditions.size - counts.pending;
  }

  const key = (deviceId: string, metric: string) => `${deviceId}\u0000${metric}`;
  const commune = (areaId: string | null) => (areaId === null ? null : (deps.areaName(areaId) ?? areaId));
  const where = (device: RegistryRecord) => ({ deviceId: device.id, kind: device.kind, commune: commune(device.areaId) });
  const unitOf = (kind: DeviceKind, metric: string) => metricSpec(kind, metric)?.unit ?? '';

  function alertOf(rule: AlertRule, fingerprint: string, device: RegistryRecord | null, content: { metric: string | null; value: number | null; unit: string | null; areaId?: string | null } & AlertTexts): NewAlert {
    return {
      ruleId: rule.id,
      fingerprint,
      severity: rule.severity,
      deviceId: device?.id ?? null,
      areaId: content.areaId !== undefined ? content.areaId : (device?.areaId ?? null),
      kind: device?.kind ?? null,
      metric: content.metric,
      value: content.value,
      unit: content.unit,
      titleVi: content.titleVi,
      titleEn: content.titleEn,
      textVi: content.textVi,
      textEn: content.textEn,
    };
  }

  async function fire(rule: AlertRule, condition: Condition): Promise<void> {
    const now = clock.now();
    const firing: Condition = { ...condition, status: 'firing', since: now };
    const alert = await lifecycle.fire(condition.detail.alert, (tx) => saveCondition(tx, firing, now));
    conditions.set(condition.fingerprint, firing);
    if (!alert) return;
    counts.fired++;
    logger.info({ alertId: alert.id, ruleId: rule.id, fingerprint: alert.fingerprint, severity: alert.severity }, 'alert firing');
    const broadcast = rule.emergencyBroadcast;
    const areaIds = broadcast?.areaIds ?? (alert.areaId ? [alert.areaId] : []);
    if (broadcast && areaIds.length === 0) logger.warn({ alertId: alert.id, ruleId: rule.id }, 'emergency broadcast not requested: the alert has no commune and the rule names none');
    if (broadcast && areaIds.length > 0) {
      const request: BroadcastRequest = { alertId: alert.id, ruleId: rule.id, severity: alert.severity, areaIds, automatic: broadcast.automatic, textVi: alert.textVi, textEn: alert.textEn, ts: now };
      await deps.requestBroadcast(request).catch((error: unknown) => logger.error({ err: error, alertId: alert.id }, 'emergency broadcast request not published'));
    }
  }

  async function resolve(fingerprint: string, note: string): Promise<void> {
    const resolved = await lifecycle.resolveFingerprint(fingerprint, RULE_ACTOR, note, (tx) => deleteCondition(tx, fingerprint));
    conditions.delete(fingerprint);
    if (resolved) {
      counts.resolved++;
      logger.info({ alertId: resolved.id, fingerprint }, 'alert resolved: its condition cleared');
    }
  }

  /**
   * One observation of a rule's subject: whether its condition holds, whether a firing one may clear (its clear
   * level reached), the alert it would open, and what the rule keeps (area rules).
   */
  async function observe(rule: AlertRule, fingerprint: string, holds: boolean, clears: boolean, alert: () => NewAlert, values?: Record<string, number>): Promise<void> {
    counts.evaluations++;
    const now = clock.now();
    const condition = conditions.get(fingerprint);
    if (!condition) {
      if (!holds) return;
      const pending: Condition = { fingerprint, ruleId: rule.id, status: 'pending', since: now, detail: { alert: alert(), values } };
      if (rule.forS === 0) await fire(rule, pending);
      else {
        await saveCondition(db, pending, now);
        conditions.set(fingerprint, pending);
      }
    } else if (condition.status === 'pending') {
      if (!holds) {
        await deleteCondition(db, fingerprint);
        conditions.delete(fingerprint);
        return;
      }
      // The alert tells the latest value that kept the condition (kept in memory: what a restart needs is `since`).
      condition.detail = { alert: alert(), values };
      if (now - condition.since >= rule.forS * 1000) await fire(rule, condition);
    } else if (clears) {
      await resolve(fingerprint, 'the condition cleared');
    } else if (values && JSON.stringify(values) !== JSON.stringify(condition.detail.values)) {
      condition.detail = { ...condition.detail, values };
      await saveCondition(db, condition, now);
    }
    recount();
  }

  /** Holds / clears of a level rule for a value. */
  function level(rule: AlertRule, value: number): { holds: boolean; clears: boolean } {
    if (rule.above !== undefined) {
      const holds = value > rule.above;
      return { holds, clears: rule.clearBelow !== undefined ? value < rule.clearBelow : !holds };
    }
    const holds = value < (rule.below as number);
    return { holds, clears: rule.clearAbove !== undefined ? value > rule.clearAbove : !holds };
  }

  const side = (rule: AlertRule) => (rule.above !== undefined ? 'above' : 'below');
  const threshold = (rule: AlertRule) => (rule.above ?? rule.below) as number;

  async function levelRule(rule: AlertRule, device: RegistryRecord, value: number, rate: boolean): Promise<void> {
    const metric = rule.metric as string;
    const fingerprint = `${rule.id}:device:${device.id}`;
    const { holds, clears } = level(rule, value);
    const unit = unitOf(device.kind, metric);
    await observe(rule, fingerprint, holds, clears, () =>
      alertOf(rule, fingerprint, device, {
        metric,
        value,
        unit: rate ? `${unit}/min` : unit,
        ...levelTexts({ severity: rule.severity, where: where(device), metric, value, unit, side: side(rule), level: threshold(rule), rate }),
      }),
    );
  }

  async function areaRule(rule: AlertRule, areaId: string): Promise<void> {
    const metric = rule.metric as string;
    const minDevices = rule.minDevices as number;
    const fingerprint = `${rule.id}:area:${areaId}`;
    const over: [string, number][] = [];
    const notCleared: [string, number][] = [];
    let kind: DeviceKind | null = null;
    for (const device of deps.devices()) {
      if (device.areaId !== areaId || !inScope(rule.scope, device)) continue;
      const reading = last.get(key(device.id, metric));
      if (!reading) continue;
      const { holds, clears } = level(rule, reading.value);
      if (holds) over.push([device.id, reading.value]);
      if (!clears) notCleared.push([device.id, reading.value]);
      kind ??= device.kind;
    }
    const holds = over.length >= minDevices;
    const clears = notCleared.length < minDevices;
    const values = Object.fromEntries(notCleared);
    const extreme = side(rule) === 'above' ? Math.max(...over.map(([, v]) => v)) : Math.min(...over.map(([, v]) => v));
    const unit = kind ? unitOf(kind, metric) : '';
    const name = commune(areaId) as string;
    await observe(
      rule,
      fingerprint,
      holds,
      clears,
      () => ({
        ...alertOf(rule, fingerprint, null, {
          areaId,
          metric,
          value: extreme,
          unit,
          ...areaTexts({ severity: rule.severity, commune: name, kind, metric, count: over.length, value: extreme, unit, side: side(rule), level: threshold(rule) }),
        }),
        kind,
      }),
      values,
    );
  }

  async function heard(device: RegistryRecord, online: boolean, since: number): Promise<void> {
    presence.set(device.id, { record: device, online, since });
    if (!online) return; // judged by tick() once forS has passed
    for (const rule of rules) {
      if (rule.type !== 'offline' || !inScope(rule.scope, device)) continue;
      const fingerprint = `${rule.id}:device:${device.id}`;
      if (conditions.has(fingerprint)) await observe(rule, fingerprint, false, true, () => conditions.get(fingerprint)!.detail.alert);
    }
  }

  async function judgePresence(rule: AlertRule, state: Presence, now: number): Promise<void> {
    const device = state.record;
    if (!inScope(rule.scope, device) || !device.enabled || device.revokedAt !== null) return;
    const fingerprint = `${rule.id}:device:${device.id}`;
    const holds = now - state.since >= rule.forS * 1000;
    if (!holds && !conditions.has(fingerprint)) return;
    // forS is measured from when the device went quiet, so the condition fires as soon as it holds.
    await observe({ ...rule, forS: 0 }, fingerprint, holds, !holds, () =>
      alertOf(rule, fingerprint, device, { metric: null, value: Math.round((now - state.since) / 1000), unit: 's', ...offlineTexts({ severity: rule.severity, where: where(device), offline: !state.online, forS: rule.forS }) }),
    );
  }

  function anomalyMatches(rule: AlertRule, event: AnomalyEvent): boolean {
    if (rule.labels && !rule.labels.includes(event.label)) return false;
    if (rule.categories && !rule.categories.includes(ANOMALY_LABELS[event.label])) return false;
    return rule.metric === undefined || rule.metric === event.metric;
  }

  return {
    counts,

    setRules: (next) =>
      serial(async () => {
        rules = next.filter((rule) => rule.enabled);
        const known = new Map(next.map((rule) => [rule.id, rule]));
        for (const condition of [...conditions.values()]) {
          const rule = known.get(condition.ruleId);
          if (rule?.enabled) continue;
          const why = rule ? 'its rule was disabled' : 'its rule was deleted';
          if (condition.status === 'firing') await resolve(condition.fingerprint, why);
          else {
            await deleteCondition(db, condition.fingerprint);
            conditions.delete(condition.fingerprint);
          }
        }
        recount();
      }),

    restore: () =>
      serial(async () => {
        for (const condition of await loadConditions(db)) {
          conditions.set(condition.fingerprint, condition);
          // An area rule's devices over the level, as they were: the rule clears when they report lower.
          for (const [deviceId, value] of Object.entries(condition.detail.values ?? {})) {
            const metric = condition.detail.alert.metric;
            if (metric && !last.has(key(deviceId, metric))) last.set(key(deviceId, metric), { ts: condition.since, value });
          }
        }
        recount();
      }),

    readings: (device, readings, options = { heard: true }) =>
      serial(async () => {
        if (options.heard) await heard(device, true, clock.now());
        for (const reading of [...readings].sort((a, b) => a.ts - b.ts)) {
          const previous = last.get(key(device.id, reading.metric));
          if (previous && reading.ts < previous.ts) continue; // late: the level already moved on
          last.set(key(device.id, reading.metric), { ts: reading.ts, value: reading.value });
          for (const rule of rules) {
            if (rule.metric !== reading.metric || !inScope(rule.scope, device)) continue;
            if (rule.type === 'threshold') await levelRule(rule, device, reading.value, false);
            else if (rule.type === 'rate' && previous && reading.ts > previous.ts) {
              await levelRule(rule, device, ((reading.value - previous.value) * 60_000) / (reading.ts - previous.ts), true);
            } else if (rule.type === 'area' && device.areaId !== null) await areaRule(rule, device.areaId);
          }
        }
      }),

    status: (device, online, ts) =>
      serial(async () => {
        const now = clock.now();
        // A retained status heard after a restart: an online device counts as heard no earlier than the start.
        await heard(device, online, online ? Math.max(Math.min(ts, now), startedAt) : Math.min(ts, now));
      }),

    anomaly: (device, event) =>
      serial(async () => {
        for (const rule of rules) {
          if (rule.type !== 'anomaly' || !anomalyMatches(rule, event) || !inScope(rule.scope, device)) continue;
          const fingerprint = `${rule.id}:device:${device.id}:${event.metric ?? '-'}:${event.label}`;
          const raised = event.state === 'raised';
          await observe(rule, fingerprint, raised, !raised, () =>
            alertOf(rule, fingerprint, device, {
              metric: event.metric,
              value: event.score,
              unit: null,
              ...anomalyTexts({ severity: rule.severity, where: where(device), metric: event.metric, label: event.label, score: event.score }),
            }),
          );
        }
      }),

    tick: () =>
      serial(async () => {
        const now = clock.now();
        const byId = new Map(rules.map((rule) => [rule.id, rule]));
        for (const condition of [...conditions.values()]) {
          const rule = byId.get(condition.ruleId);
          if (rule && condition.status === 'pending' && now - condition.since >= rule.forS * 1000) await fire(rule, condition);
        }
        for (const rule of rules) {
          if (rule.type !== 'offline') continue;
          for (const state of presence.values()) await judgePresence(rule, state, now);
        }
        recount();
      }),
  };
}
