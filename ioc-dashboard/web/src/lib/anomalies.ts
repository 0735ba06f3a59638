import { ANOMALY_LABELS, isAnomalyLabel, type AnomalyCategory } from '@ioc/core/contracts';
import type { AnomalyItem } from './types.ts';

/** How long a cleared alarm stays on the wall, fading, before it leaves the list. */
export const CLEARED_FADE_MS = 10_000;

/** One alarm on the wall: raised, or cleared and fading out. */
export interface Alarm {
  key: string;
  event: AnomalyItem;
  category: AnomalyCategory;
  /** Epoch ms (browser clock) when its clear arrived; null while it is raised. */
  clearedAt: number | null;
}

/** Labels not known to this build are shown as plain anomalies rather than dropped. */
export function anomalyCategory(label: string): AnomalyCategory {
  return isAnomalyLabel(label) ? ANOMALY_LABELS[label] : 'event';
}

/** An alarm is one device, metric and label: its raise and its clear share this key. */
const alarmKey = (event: AnomalyItem) => `${event.deviceId}|${event.metric ?? ''}|${event.label}`;

/** Which alarm a device's ring shows when it has several: a real event first, then a fault, then camera health. */
const CATEGORY_RANK: Record<AnomalyCategory, number> = { event: 0, sensor_fault: 1, camera_health: 2 };

/** The wall's alarms (plain, like the fleet: live batches mutate it and the view re-reads it). */
export class AnomalyBoard {
  private readonly alarms = new Map<string, Alarm>();

  /** Replaces the raised alarms with a snapshot of the active ones (alarms fading out are dropped). */
  load(active: AnomalyItem[]): void {
    this.alarms.clear();
    for (const event of active) this.alarms.set(alarmKey(event), { key: alarmKey(event), event, category: anomalyCategory(event.label), clearedAt: null });
  }

  /** Applies a raise or a clear; an event older than the one already shown for its alarm is ignored. */
  apply(event: AnomalyItem, now: number): void {
    const key = alarmKey(event);
    const shown = this.alarms.get(key);
    if (shown && shown.event.ts > event.ts) return;
    if (event.state === 'raised') this.alarms.set(key, { key, event, category: anomalyCategory(event.label), clearedAt: null });
    else if (shown) this.alarms.set(key, { ...shown, event, clearedAt: shown.clearedAt ?? now });
  }

  /** Raised alarms newest first, then the cleared ones still fading, most recently cleared first (faded ones are dropped). */
  list(now: number): Alarm[] {
    for (const [key, alarm] of this.alarms) if (alarm.clearedAt !== null && now - alarm.clearedAt >= CLEARED_FADE_MS) this.alarms.delete(key);
    const all = [...this.alarms.values()];
    const raised = all.filter((a) => a.clearedAt === null).sort((a, b) => b.event.ts - a.event.ts);
    const fading = all.filter((a) => a.clearedAt !== null).sort((a, b) => (b.clearedAt as number) - (a.clearedAt as number));
    return [...raised, ...fading];
  }

  /** The category each device with a raised alarm is ringed with on the map. */
  activeByDevice(): Map<string, AnomalyCategory> {
    const byDevice = new Map<string, AnomalyCategory>();
    for (const alarm of this.alarms.values()) {
      if (alarm.clearedAt !== null) continue;
      const current = byDevice.get(alarm.event.deviceId);
      if (current === undefined || CATEGORY_RANK[alarm.category] < CATEGORY_RANK[current]) byDevice.set(alarm.event.deviceId, alarm.category);
    }
    return byDevice;
  }
}
