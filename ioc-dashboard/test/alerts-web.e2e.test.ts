// The alerting pages in Chromium against a running IOC (gateway, dashboard and the alerting service on PostgreSQL):
// an operator creates a rule in the form (the API's refusal shown beside it first), a reading fires it, the alert
// appears live on the wall's feed and is acknowledged there in one click, then commented and resolved on the alerts
// page; a viewer sees the alerts but no action; silences and subscribers are managed through their forms; Vietnamese
// labels by default, English on demand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startIoc, type RunningIoc } from '@ioc/cli';
import { createLogger, openDb, upsertUser, type Alert, type Db } from '@ioc/core';
import { postgresAvailable, requireBinary, startPostgres, tempDir, type PostgresServer } from '@ioc/core/testing';
import { ensureWebBuilt, launchChromium } from './web-browser.ts';

const chromiumPath = requireBinary('chromium', '/usr/bin/chromium', 'chromium');
const ADMIN_PASSWORD = 'alerts-web-admin-password';
const VIEWER_PASSWORD = 'alerts-web-viewer-password';
const DEVICE = 'air-alerts-web';
const WAIT = { timeout: 20_000, interval: 250 };

describe.skipIf(!chromiumPath || !postgresAvailable())('alerting pages in Chromium', () => {
  const dir = tempDir('ioc-alerts-web-');
  let postgres: PostgresServer;
  let db: Db;
  let ioc: RunningIoc;
  let base: string;
  let cookie: string;
  let station: MqttClient;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** The admin page's reads of GET /api/alerts. */
  const alertListReads: string[] = [];
  let firstAlertId = '';

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  };
  const publish = (pm25: number) => station.publishAsync(`ioc/v1/devices/${DEVICE}/telemetry`, JSON.stringify({ metrics: { pm25 } }), { qos: 1 });

  async function signIn(target: Page, username: string, password: string): Promise<void> {
    await target.goto(base);
    await target.getByLabel('Tên đăng nhập').fill(username);
    await target.getByLabel('Mật khẩu').fill(password);
    await target.getByRole('button', { name: 'Đăng nhập' }).click();
    await target.locator('.alert-feed').waitFor({ timeout: 30_000 });
  }

  beforeAll(async () => {
    ensureWebBuilt();
    postgres = await startPostgres();
    ioc = await startIoc({
      env: {
        IOC_DATA_DIR: dir.path,
        DATABASE_URL: postgres.url,
        IOC_HTTP_PORT: '0',
        IOC_MQTT_PORT: '0',
        IOC_DEMO: 'off',
        IOC_ADMIN_PASSWORD: ADMIN_PASSWORD,
        IOC_ALERT_EVAL_INTERVAL_S: '1',
        IOC_SERVICE_TOKEN: 'alerts-web-service-token-0123456789',
        IOC_LOG_LEVEL: 'warn',
      },
      services: ['gateway', 'dashboard', 'alerting'],
      logger: createLogger({ level: 'warn' }),
    });
    base = ioc.dashboardUrl as string;
    db = await openDb({ databaseUrl: postgres.url, dataDir: dir.path });
    await upsertUser(db, 'viewer', VIEWER_PASSWORD, 'viewer');

    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const device = await api<{ token: string }>('POST', '/api/devices', { id: DEVICE, kind: 'air', areaId: '19753', lat: 16.46, lon: 107.59 });
    station = await mqtt.connectAsync(ioc.mqttUrl, { clientId: DEVICE, username: DEVICE, password: device.token, reconnectPeriod: 0 });

    browser = await launchChromium(chromiumPath as string);
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'vi-VN', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => new URL(request.url()).pathname === '/api/alerts' && alertListReads.push(request.url()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await station?.endAsync();
    await ioc?.stop();
    await db?.close();
    await postgres?.stop();
    dir.remove();
  });

  it('creates a rule in the form, showing the API\'s refusal beside it first', async () => {
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.locator('[data-nav="rules"]').click();
    await page.locator('[data-action="new-rule"]').click();
    const form = page.locator('form.rule-form');
    await form.locator('[name="name"]').fill('Bụi PM2.5 cao');
    await form.locator('[name="severity"]').selectOption('major');
    await form.locator('[name="metric"]').fill('not_a_metric');
    await form.locator('[name="level"]').fill('50');
    await form.locator('[name="clearLevel"]').fill('40');
    await form.locator('[name="deviceIds"]').fill(DEVICE);
    await form.locator('input[name="groupBy"][value="areaId"]').check();
    await form.locator('[name="groupWaitS"]').fill('0');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('.form-error').textContent()).toContain('"metric": no device kind reports "not_a_metric"');

    await form.locator('[name="metric"]').fill('pm25');
    await form.locator('button[type="submit"]').click();
    const row = page.locator('tr[data-name="Bụi PM2.5 cao"]');
    await row.waitFor();
    expect(await form.count()).toBe(0);
    expect(await row.getAttribute('data-enabled')).toBe('true');
    expect(await row.textContent()).toContain('Nghiêm trọng');
    const [rule] = (await api<{ items: Array<Record<string, unknown>> }>('GET', '/api/alert-rules')).items;
    expect(rule).toMatchObject({ type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, severity: 'major', scope: { deviceIds: [DEVICE] }, notify: { groupBy: ['areaId'], groupWaitS: 0 }, enabled: true });
  });

  it('shows the fired alert live on the wall, counted as unacknowledged, and acknowledges it in one click', { timeout: 120_000 }, async () => {
    await page.locator('[data-nav="wall"]').click();
    const feed = page.locator('.alert-feed');
    await page.locator('[data-testid="map"][data-connection="connected"]').waitFor({ timeout: 30_000 });
    expect(await feed.locator('li[data-alert]').count()).toBe(0);
    // The running service applies the new rule when it hears its announcement (or reads its rules again within a
    // minute, should it miss one): publish until the alert fires.
    await vi.waitFor(async () => {
      await publish(75);
      expect((await api<{ items: Alert[] }>('GET', `/api/alerts?state=firing&deviceId=${DEVICE}`)).items).toHaveLength(1);
    }, { timeout: 75_000, interval: 500 });
    const listReads = alertListReads.length;
    await expect.poll(() => feed.locator('li[data-alert]').count(), WAIT).toBe(1);
    // Pushed over socket.io: the wall did not read the list again.
    expect(alertListReads.length).toBe(listReads);
    const row = feed.locator('li[data-alert]');
    firstAlertId = (await row.getAttribute('data-alert')) as string;
    expect(await row.getAttribute('data-state')).toBe('firing');
    expect(await row.getAttribute('data-severity')).toBe('major');
    const text = (await row.textContent()) as string;
    expect(text).toContain('Bụi PM2.5 vượt ngưỡng');
    expect(text).toContain('Nghiêm trọng');
    expect(await row.locator('[data-field="age"]').textContent()).toMatch(/^\d+ (giây|phút)$/);
    expect(await feed.locator('.severity-counts li[data-severity="major"] .severity-count').textContent()).toBe('1');

    await row.getByRole('button', { name: 'Xác nhận' }).click();
    await expect.poll(() => row.getAttribute('data-state'), WAIT).toBe('acknowledged');
    expect(await row.textContent()).toContain('Đã xác nhận bởi admin');
    expect(await row.getByRole('button', { name: 'Xác nhận' }).count()).toBe(0);
    expect(await feed.locator('.severity-counts li[data-severity="major"] .severity-count').textContent()).toBe('0');
    expect((await api<Alert>('GET', `/api/alerts/${firstAlertId}`)).acknowledgedBy).toBe('user:admin');
    if (process.env.IOC_SCREENSHOT_DIR) writeFileSync(join(process.env.IOC_SCREENSHOT_DIR, 'wall-alerts.png'), await page.screenshot());
  });

  it('opens the alert on the alerts page, comments on it and resolves it, keeping its history', async () => {
    await page.locator(`.alert-feed li[data-alert="${firstAlertId}"] a`).click();
    const detail = page.locator(`.alert-detail[data-alert="${firstAlertId}"]`);
    await detail.waitFor();
    expect(await page.locator('.page-head h1').textContent()).toBe('Danh sách cảnh báo');
    expect(await detail.locator('[data-field="state"]').textContent()).toBe('Đã xác nhận');

    await detail.getByLabel('Nội dung trao đổi').fill('Đã cử đội kiểm tra trạm');
    await detail.getByRole('button', { name: 'Gửi' }).click();
    await expect.poll(() => detail.locator('.alert-comments li[data-comment]').textContent(), WAIT).toContain('Đã cử đội kiểm tra trạm');
    if (process.env.IOC_SCREENSHOT_DIR) writeFileSync(join(process.env.IOC_SCREENSHOT_DIR, 'alerts-page.png'), await page.screenshot());

    await detail.getByLabel('Giao cho (tên đăng nhập)').fill('admin');
    await detail.getByRole('button', { name: 'Giao việc' }).click();
    await expect.poll(() => detail.locator('[data-field="assignee"]').textContent(), WAIT).toBe('admin');

    await detail.getByLabel('Ghi chú khi đóng (không bắt buộc)').fill('Đã vệ sinh cảm biến');
    await detail.getByRole('button', { name: 'Đóng cảnh báo' }).click();
    await expect.poll(() => detail.getAttribute('data-state'), WAIT).toBe('resolved');
    // The assignment is a step from the state to itself.
    expect(await detail.locator('.alert-history li').evaluateAll((items) => items.map((li) => li.getAttribute('data-to')))).toEqual(['firing', 'acknowledged', 'acknowledged', 'resolved']);
    expect(await detail.locator('.alert-history').textContent()).toContain('Đã vệ sinh cảm biến');
    expect(await detail.locator('[data-action]').count()).toBe(0);
    await expect.poll(() => page.locator(`.alert-table tr[data-alert="${firstAlertId}"]`).getAttribute('data-state'), WAIT).toBe('resolved');
    const stored = await api<{ state: string; resolvedBy: string; comments: Array<{ author: string; text: string }> }>('GET', `/api/alerts/${firstAlertId}`);
    expect(stored).toMatchObject({ state: 'resolved', resolvedBy: 'user:admin', assignee: 'admin', comments: [{ author: 'user:admin', text: 'Đã cử đội kiểm tra trạm' }] });
  });

  it('filters the list by state and severity', async () => {
    const filters = page.locator('form.filters');
    await filters.getByLabel('Trạng thái').selectOption('firing');
    await expect.poll(() => page.locator('.alert-table tr[data-alert]').count(), WAIT).toBe(0);
    await filters.getByLabel('Trạng thái').selectOption('resolved');
    await expect.poll(() => page.locator('.alert-table tr[data-alert]').count(), WAIT).toBe(1);
    await filters.getByLabel('Mức độ').selectOption('critical');
    await expect.poll(() => page.locator('.alert-table tr[data-alert]').count(), WAIT).toBe(0);
    await filters.getByLabel('Mức độ').selectOption('');
    await filters.getByLabel('Trạng thái').selectOption('');
  });

  it('shows a viewer the alerts but no action', async () => {
    // The condition clears and holds again: a new alert (the resolved one stays resolved).
    await publish(20);
    await vi.waitFor(async () => {
      await publish(80);
      const { items } = await api<{ items: Alert[] }>('GET', `/api/alerts?state=firing&deviceId=${DEVICE}`);
      expect(items.filter((a) => a.id !== firstAlertId)).toHaveLength(1);
    }, WAIT);
    const [second] = (await api<{ items: Alert[] }>('GET', `/api/alerts?state=firing&deviceId=${DEVICE}`)).items as [Alert];
    // The operator's alerts page, left open, lists it without being reloaded.
    await expect.poll(() => page.locator(`.alert-table tr[data-alert="${second.id}"]`).getAttribute('data-state'), WAIT).toBe('firing');

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'vi-VN' });
    const viewer = await context.newPage();
    viewer.on('pageerror', (error) => pageErrors.push(error.message));
    await signIn(viewer, 'viewer', VIEWER_PASSWORD);
    const row = viewer.locator(`.alert-feed li[data-alert="${second.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await viewer.locator('.alert-feed button').count()).toBe(0);
    expect(await viewer.locator('[data-nav="rules"]').count()).toBe(0);
    expect(await viewer.locator('[data-nav="subscribers"]').count()).toBe(0);

    await row.locator('a').click();
    const detail = viewer.locator(`.alert-detail[data-alert="${second.id}"]`);
    await detail.waitFor();
    expect(await detail.textContent()).toContain('Bạn chỉ có quyền xem.');
    expect(await detail.locator('button, textarea, input').count()).toBe(0);

    await viewer.locator('[data-nav="silences"]').click();
    await viewer.locator('.crud-page').waitFor();
    expect(await viewer.locator('[data-action]').count()).toBe(0);
    await context.close();
  });

  it('creates a silence with a matcher and ends it', async () => {
    await page.locator('[data-nav="silences"]').click();
    await page.locator('[data-action="new-silence"]').click();
    const form = page.locator('form.silence-form');
    await form.locator('[name="matcherValue"]').fill(DEVICE);
    await form.locator('[name="comment"]').fill('Bảo trì trạm quan trắc');
    await form.locator('button[type="submit"]').click();
    const row = page.locator('tr[data-silence]');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('active');
    expect(await row.textContent()).toContain(`Thiết bị = ${DEVICE}`);
    expect(await row.textContent()).toContain('Đang hiệu lực');

    await row.getByRole('button', { name: 'Kết thúc ngay' }).click();
    await expect.poll(() => row.getAttribute('data-state'), WAIT).toBe('expired');
    const [silence] = (await api<{ items: Array<{ matchers: unknown; createdBy: string; endedBy: string }> }>('GET', '/api/silences')).items;
    expect(silence).toMatchObject({ matchers: [{ name: 'deviceId', value: DEVICE }], createdBy: 'user:admin', endedBy: 'user:admin' });
  });

  it('adds a subscriber, showing the API\'s refusal of a bad phone number beside the form', async () => {
    await page.locator('[data-nav="subscribers"]').click();
    await page.locator('[data-action="new-subscriber"]').click();
    const form = page.locator('form.subscriber-form');
    await form.locator('[name="name"]').fill('Trực ban phường Thuận Hóa');
    await form.locator('[name="phone"]').fill('+840123');
    await form.locator('input[name="channels"][value="zns"]').check();
    await form.locator('[name="minSeverity"]').selectOption('critical');
    await form.locator('[name="quietFrom"]').fill('22:00');
    await form.locator('[name="quietTo"]').fill('06:00');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('.form-error').textContent()).toContain('phone');

    await form.locator('[name="phone"]').fill('+84901234567');
    await form.locator('button[type="submit"]').click();
    const row = page.locator('tr[data-name="Trực ban phường Thuận Hóa"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('SMS, Zalo ZNS');
    expect(await row.textContent()).toContain('22:00–06:00');
    const [subscriber] = (await api<{ items: unknown[] }>('GET', '/api/subscribers')).items;
    expect(subscriber).toMatchObject({ phone: '+84901234567', channels: ['sms', 'zns'], minSeverity: 'critical', language: 'vi', quietHours: { from: '22:00', to: '06:00' } });
  });

  it('edits, disables and deletes a rule from its list', async () => {
    await page.locator('[data-nav="rules"]').click();
    const row = page.locator('tr[data-name="Bụi PM2.5 cao"]');
    await row.getByRole('button', { name: 'Sửa' }).click();
    const form = page.locator('form.rule-form');
    expect(await form.locator('[name="level"]').inputValue()).toBe('50');
    await form.locator('[name="direction"]').selectOption('below');
    await form.locator('[name="level"]').fill('5');
    await form.locator('[name="clearLevel"]').fill('');
    await form.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => form.count(), WAIT).toBe(0);
    const [edited] = (await api<{ items: Array<Record<string, unknown>> }>('GET', '/api/alert-rules')).items;
    expect(edited).toMatchObject({ below: 5, notify: { groupBy: ['areaId'], groupWaitS: 0 } });
    expect(edited).not.toHaveProperty('above');
    expect(edited).not.toHaveProperty('clearBelow');

    await row.getByRole('button', { name: 'Tắt' }).click();
    await expect.poll(() => row.getAttribute('data-enabled'), WAIT).toBe('false');
    await row.getByRole('button', { name: 'Xóa' }).click();
    await row.getByRole('button', { name: 'Xóa vĩnh viễn?' }).click();
    await expect.poll(() => row.count(), WAIT).toBe(0);
    expect((await api<{ items: unknown[] }>('GET', '/api/alert-rules')).items).toEqual([]);
  });

  it('speaks Vietnamese by default and English on demand', async () => {
    await page.locator('[data-nav="alerts"]').click();
    expect(await page.locator('.page-head h1').textContent()).toBe('Danh sách cảnh báo');
    expect(await page.locator('.nav-links').textContent()).toContain('Người nhận thông báo');
    expect(await page.locator('.alert-table thead').textContent()).toContain('Người phụ trách');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('.page-head h1').textContent()).toBe('Alerts');
    expect(await page.locator('.nav-links').textContent()).toContain('Subscribers');
    expect(await page.locator('.alert-table thead').textContent()).toContain('Assignee');
    expect(await page.locator(`.alert-table tr[data-alert="${firstAlertId}"]`).textContent()).toContain('Resolved');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
    expect(await page.locator('.page-head h1').textContent()).toBe('Danh sách cảnh báo');
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
