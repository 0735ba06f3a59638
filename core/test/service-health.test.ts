import { describe, expect, it } from 'vitest';
import {
  ALL_SERVICES_HEALTH_TOPIC,
  currentHealth,
  decodeJson,
  HEALTH_STALE_MS,
  parseServiceHealthTopic,
  ServiceHealth,
  serviceHealthTopic,
} from '@ioc/core/contracts';

describe('service health contract', () => {
  it('names the topic of each service and reads the name back', () => {
    expect(serviceHealthTopic('ingest-p1of2')).toBe('ioc/v1/services/ingest-p1of2/health');
    expect(ALL_SERVICES_HEALTH_TOPIC).toBe('ioc/v1/services/+/health');
    expect(parseServiceHealthTopic('ioc/v1/services/ingest-p1of2/health')).toBe('ingest-p1of2');
    for (const topic of ['ioc/v1/services//health', 'ioc/v1/services/a/b/health', 'ioc/v1/services/Gateway/health', 'ioc/v1/services/gateway/status']) {
      expect(parseServiceHealthTopic(topic), topic).toBeUndefined();
    }
  });

  it('accepts a status, a time and any details; a refusal names the field', () => {
    expect(decodeJson(ServiceHealth, '{"status":"degraded","ts":1,"reason":"store down","pending":3}')).toEqual({
      ok: true,
      value: { status: 'degraded', ts: 1, reason: 'store down', pending: 3 },
    });
    expect(decodeJson(ServiceHealth, '{"status":"fine","ts":1}')).toEqual({ ok: false, reason: '"status" must be one of "ok", "degraded", "down"' });
    expect(decodeJson(ServiceHealth, '{"status":"ok"}')).toEqual({ ok: false, reason: '"ts" is required' });
    expect(decodeJson(ServiceHealth, '{"status":"ok","ts":1.5}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^"ts" /) });
    expect(decodeJson(ServiceHealth, 'down')).toMatchObject({ ok: false, reason: expect.stringMatching(/^malformed JSON/) });
  });

  it('counts a health as down once stale, from the older of its time and its arrival', () => {
    const now = 1_000_000;
    const fresh = { status: 'ok', ts: now - HEALTH_STALE_MS } as const;
    expect(currentHealth(fresh, now, now)).toBe(fresh);
    expect(currentHealth({ status: 'ok', ts: now - 20_000 }, now, now)).toEqual({ status: 'down', ts: now - 20_000, reason: 'no health for 20 s' });
    // A publisher whose clock runs ahead cannot keep itself fresh: its arrival counts.
    expect(currentHealth({ status: 'degraded', ts: now + 60_000 }, now - 16_000, now)).toMatchObject({ status: 'down', reason: 'no health for 16 s' });
    const down = { status: 'down', ts: 0, reason: 'stopped' } as const;
    expect(currentHealth(down, 0, now)).toBe(down);
  });
});
