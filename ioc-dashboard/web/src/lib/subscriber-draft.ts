import type { NewSubscriber, Subscriber, SubscriberPatch } from './types.ts';

/** The subscriber form's state; '' is "not given" for the optional text fields. */
export interface SubscriberDraft {
  name: string;
  phone: string;
  zaloUserId: string;
  channels: Subscriber['channels'];
  webhookUrl: string;
  areaIds: string[];
  kinds: string[];
  minSeverity: Subscriber['minSeverity'];
  language: Subscriber['language'];
  quietFrom: string;
  quietTo: string;
}

export function emptySubscriberDraft(): SubscriberDraft {
  return { name: '', phone: '+84', zaloUserId: '', channels: ['sms'], webhookUrl: '', areaIds: [], kinds: [], minSeverity: 'major', language: 'vi', quietFrom: '', quietTo: '' };
}

export function subscriberDraftOf(s: Subscriber): SubscriberDraft {
  return {
    name: s.name,
    phone: s.phone,
    zaloUserId: s.zaloUserId ?? '',
    channels: [...s.channels],
    webhookUrl: s.webhookUrl ?? '',
    areaIds: [...(s.areaIds ?? [])],
    kinds: [...(s.kinds ?? [])],
    minSeverity: s.minSeverity,
    language: s.language,
    quietFrom: s.quietHours?.from ?? '',
    quietTo: s.quietHours?.to ?? '',
  };
}

/** Every field of the draft, null where it is not given (PATCH clears it; POST leaves it out). */
function fields(d: SubscriberDraft) {
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  const list = (values: string[]) => (values.length > 0 ? values : null);
  return {
    name: d.name.trim(),
    phone: d.phone.trim(),
    zaloUserId: text(d.zaloUserId),
    channels: d.channels,
    webhookUrl: text(d.webhookUrl),
    areaIds: list(d.areaIds),
    kinds: list(d.kinds),
    minSeverity: d.minSeverity,
    language: d.language,
    // Half a range is sent as given, so the server's refusal names it.
    quietHours: d.quietFrom === '' && d.quietTo === '' ? null : { from: d.quietFrom, to: d.quietTo },
  };
}

export function newSubscriberOf(d: SubscriberDraft): NewSubscriber {
  return Object.fromEntries(Object.entries(fields(d)).filter(([, v]) => v !== null)) as NewSubscriber;
}

export function subscriberPatchOf(d: SubscriberDraft): SubscriberPatch {
  return fields(d);
}
