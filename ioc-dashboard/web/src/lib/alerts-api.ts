import { request } from './api.ts';
import type {
  AlertComment,
  AlertDetail,
  AlertItem,
  AlertRule,
  AlertRulePatch,
  AlertsQuery,
  EscalationPolicy,
  NewAlertRule,
  NewSilence,
  NewSubscriber,
  Silence,
  Subscriber,
  SubscriberPatch,
} from './types.ts';

/** The alerting routes (alerting/README.md, "API"); errors are ApiErrors carrying the server's message. */

const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};
const id = (value: string) => encodeURIComponent(value);

export async function fetchAlerts(filters: AlertsQuery): Promise<AlertItem[]> {
  return (await request<{ items: AlertItem[] }>('GET', `/api/alerts${query(filters)}`)).items;
}

/** The open alerts (firing and acknowledged), for the wall's feed. */
export async function fetchOpenAlerts(): Promise<AlertItem[]> {
  const [firing, acknowledged] = await Promise.all([fetchAlerts({ state: 'firing', limit: 1000 }), fetchAlerts({ state: 'acknowledged', limit: 1000 })]);
  return [...firing, ...acknowledged];
}

export const fetchAlert = (alertId: string) => request<AlertDetail>('GET', `/api/alerts/${id(alertId)}`);
export const acknowledgeAlert = (alertId: string) => request<AlertItem>('POST', `/api/alerts/${id(alertId)}/ack`, {});
export const resolveAlert = (alertId: string, note?: string) => request<AlertItem>('POST', `/api/alerts/${id(alertId)}/resolve`, note ? { note } : {});
export const commentAlert = (alertId: string, text: string) => request<AlertComment>('POST', `/api/alerts/${id(alertId)}/comments`, { text });
export const assignAlert = (alertId: string, username: string) => request<AlertItem>('POST', `/api/alerts/${id(alertId)}/assign`, { username });

export async function fetchRules(): Promise<AlertRule[]> {
  return (await request<{ items: AlertRule[] }>('GET', '/api/alert-rules')).items;
}
export const createRule = (rule: NewAlertRule) => request<AlertRule>('POST', '/api/alert-rules', rule);
export const updateRule = (ruleId: string, patch: AlertRulePatch) => request<AlertRule>('PATCH', `/api/alert-rules/${id(ruleId)}`, patch);
export const deleteRule = (ruleId: string) => request<null>('DELETE', `/api/alert-rules/${id(ruleId)}`);

/** The escalation policies a rule may name (operators read them; admins change them). */
export async function fetchEscalationPolicies(): Promise<EscalationPolicy[]> {
  return (await request<{ items: EscalationPolicy[] }>('GET', '/api/escalation-policies')).items;
}

export async function fetchSilences(): Promise<Silence[]> {
  return (await request<{ items: Silence[] }>('GET', '/api/silences')).items;
}
export const createSilence = (silence: NewSilence) => request<Silence>('POST', '/api/silences', silence);
export const endSilence = (silenceId: string) => request<Silence>('DELETE', `/api/silences/${id(silenceId)}`);

export async function fetchSubscribers(): Promise<Subscriber[]> {
  return (await request<{ items: Subscriber[] }>('GET', '/api/subscribers')).items;
}
export const createSubscriber = (subscriber: NewSubscriber) => request<Subscriber>('POST', '/api/subscribers', subscriber);
export const updateSubscriber = (subscriberId: string, patch: SubscriberPatch) => request<Subscriber>('PATCH', `/api/subscribers/${id(subscriberId)}`, patch);
export const deleteSubscriber = (subscriberId: string) => request<null>('DELETE', `/api/subscribers/${id(subscriberId)}`);
