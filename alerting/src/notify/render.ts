import type { AlertRow } from '../alert-row.ts';
import type { ChannelName } from './config.ts';
import type { Subscriber } from './subscribers.ts';

export type NotificationKind = 'firing' | 'resolved' | 'escalation';

/** What a channel sends, fixed when the outbox row is written so every retry sends the same message. */
export interface OutboxMessage {
  language: 'vi' | 'en';
  /** The subscriber's address on this channel: +84… for sms and zns, the follower id for zalo_oa, a URL for webhook. */
  to: string;
  /** Plain text (SMS, OA message). */
  text: string;
  /** ZNS template parameters (alerting/README.md lists them). */
  templateData: Record<string, string>;
  /** The webhook's JSON body. */
  payload: { kind: NotificationKind; notificationId: string; alerts: AlertRow[] };
}

const SEVERITY: Record<'vi' | 'en', Record<AlertRow['severity'], string>> = {
  vi: { critical: 'KHẨN CẤP', major: 'NGHIÊM TRỌNG', minor: 'TRUNG BÌNH', warning: 'LƯU Ý', info: 'THÔNG TIN' },
  en: { critical: 'CRITICAL', major: 'MAJOR', minor: 'MINOR', warning: 'WARNING', info: 'INFO' },
};

const HEAD: Record<'vi' | 'en', Record<NotificationKind, string>> = {
  vi: { firing: 'Cảnh báo', resolved: 'Đã kết thúc', escalation: 'Chưa ai xác nhận' },
  en: { firing: 'Alert', resolved: 'Resolved', escalation: 'Unacknowledged' },
};

const TIME_OPTIONS: Intl.DateTimeFormatOptions = { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit' };
// Made once: building a DateTimeFormat per message was a sixth of the alerting service's CPU (`ioc bench alerting --profile`).
const TIME_FORMATS = { vi: new Intl.DateTimeFormat('vi-VN', TIME_OPTIONS), en: new Intl.DateTimeFormat('en-GB', TIME_OPTIONS) };

/** Times as people in Huế read them. */
function localTime(ms: number, language: 'vi' | 'en'): string {
  return TIME_FORMATS[language].format(ms);
}

function addressOf(subscriber: Subscriber, channel: ChannelName): string {
  if (channel === 'zalo_oa') return subscriber.zaloUserId ?? '';
  if (channel === 'webhook') return subscriber.webhookUrl ?? '';
  return subscriber.phone;
}

/** The message one subscriber gets on one channel about some alerts of one group. */
export function renderMessage(kind: NotificationKind, alerts: readonly AlertRow[], subscriber: Subscriber, channel: ChannelName, notificationId: string): OutboxMessage {
  const language = subscriber.language;
  const first = alerts[0] as AlertRow;
  const title = (a: AlertRow) => (language === 'vi' ? a.titleVi : a.titleEn);
  const worst = alerts.reduce((w, a) => (Object.keys(SEVERITY.en).indexOf(a.severity) < Object.keys(SEVERITY.en).indexOf(w.severity) ? a : w), first);
  const body =
    alerts.length === 1
      ? `${title(first)}. ${language === 'vi' ? first.textVi : first.textEn}`
      : `${alerts.length} ${language === 'vi' ? 'cảnh báo' : 'alerts'}: ${alerts.map(title).join('; ')}`;
  const text = `[IOC Huế] ${HEAD[language][kind]} ${SEVERITY[language][worst.severity]}: ${body} (${localTime(first.startsAt, language)})`;
  return {
    language,
    to: addressOf(subscriber, channel),
    text: text.normalize('NFC'),
    templateData: {
      status: HEAD[language][kind],
      severity: SEVERITY[language][worst.severity],
      title: alerts.length === 1 ? title(first) : `${alerts.length} ${language === 'vi' ? 'cảnh báo' : 'alerts'}`,
      area: first.areaId ?? '',
      value: first.value === null ? '' : `${first.value}${first.unit ? ` ${first.unit}` : ''}`,
      time: localTime(first.startsAt, language),
    },
    payload: { kind, notificationId, alerts: [...alerts] },
  };
}
