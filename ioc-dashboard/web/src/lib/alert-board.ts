import { ALERT_SEVERITIES, type AlertSeverity } from '@ioc/core/contracts';
import type { AlertEvent, AlertItem } from './types.ts';

/** An alert as the wall shows it: the list's item or the live event (the same fields but `title`). */
export type WallAlert = AlertItem | AlertEvent;

const RANK = new Map<AlertSeverity, number>(ALERT_SEVERITIES.map((severity, index) => [severity, index]));

/** Most severe first, then the most recently raised first. */
export function bySeverityThenTime(a: WallAlert, b: WallAlert): number {
  return (RANK.get(a.severity) ?? 99) - (RANK.get(b.severity) ?? 99) || b.startsAt - a.startsAt;
}

/**
 * The wall's open alerts (firing and acknowledged), fed by GET /api/alerts and the socket.io `alert` events. Plain
 * like the fleet: live batches mutate it and the view re-reads it. A resolved alert leaves the board.
 */
export class AlertBoard {
  private readonly alerts = new Map<string, WallAlert>();

  load(open: WallAlert[]): void {
    this.alerts.clear();
    for (const alert of open) this.apply(alert);
  }

  /** Applies an alert's new state; a state older than the one shown is ignored (events may cross a reload). */
  apply(alert: WallAlert): void {
    const shown = this.alerts.get(alert.id);
    if (shown && shown.updatedAt > alert.updatedAt) return;
    if (alert.state === 'resolved') this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
  }

  list(): WallAlert[] {
    return [...this.alerts.values()].sort(bySeverityThenTime);
  }

  /** Firing (not yet acknowledged) alerts per severity, every severity present. */
  unacknowledged(): Record<AlertSeverity, number> {
    const counts = Object.fromEntries(ALERT_SEVERITIES.map((severity) => [severity, 0])) as Record<AlertSeverity, number>;
    for (const alert of this.alerts.values()) if (alert.state === 'firing') counts[alert.severity]++;
    return counts;
  }
}
