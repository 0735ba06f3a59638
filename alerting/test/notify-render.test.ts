// A message's time is the alert's start as people in Huế read it (Asia/Ho_Chi_Minh, UTC+7), in the subscriber's
// language, whichever language the message before it was in (the formats are made once and shared).
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../src/notify/render.ts';
import type { Subscriber } from '../src/notify/subscribers.ts';
import { makeAlert, T0 } from './notify-fixtures.ts';

const subscriber = (language: 'vi' | 'en'): Subscriber => ({
  id: `sub-${language}`,
  name: language,
  phone: '+84901234567',
  zaloUserId: null,
  channels: ['sms'],
  webhookUrl: null,
  areaIds: null,
  kinds: null,
  minSeverity: 'info',
  language,
  quietHours: null,
  createdAt: T0,
  updatedAt: T0,
});

describe('a rendered message', () => {
  it('gives the start in Huế time, in each language, in any order', () => {
    // 23:30 UTC on 31 December is 06:30 on 1 January in Huế.
    const alert = makeAlert({ ruleId: 'r1' }, Date.UTC(2026, 11, 31, 23, 30));
    for (const language of ['vi', 'en', 'vi'] as const) {
      const message = renderMessage('firing', [alert], subscriber(language), 'sms', 'n1');
      const time = language === 'vi' ? '06:30 01-01' : '01/01, 06:30';
      expect(message.templateData.time).toBe(time);
      expect(message.text.endsWith(`(${time})`)).toBe(true);
    }
  });
});
