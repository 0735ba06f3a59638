import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { startIoc, type RunningIoc } from '@ioc/cli';
import { ANOMALIES_TOPIC, createMqttConnect, deviceTopic, type AnomalyEvent } from '@ioc/core';
import { requireBinary, tempDir } from '@ioc/core/testing';
import { ensureWebBuilt, launchChromium } from './web-browser.ts';

const chromiumPath = requireBinary('chromium', '/usr/bin/chromium', 'chromium');
const ADMIN_PASSWORD = 'wall-test-password';

/** Four air stations: three will report, the fourth never connects (offline). */
const DEVICES = [
  { id: 'wall-air-phu-xuan', lon: 107.58, lat: 16.478 },
  { id: 'wall-air-phu-vinh', lon: 107.785, lat: 16.433 },
  { id: 'wall-air-huong-tra', lon: 107.484, lat: 16.519 },
  { id: 'wall-air-quang-dien', lon: 107.55, lat: 16.564 },
];

describe.skipIf(!chromiumPath)('wall dashboard in Chromium', () => {
  const dir = tempDir('ioc-web-e2e-');
  const clients: MqttClient[] = [];
  let ioc: RunningIoc;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];
  /** What the browser refused under the server's Content-Security-Policy. */
  const cspViolations: string[] = [];

  async function api(path: string, cookie: string, body?: unknown): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function publish(client: MqttClient, deviceId: string, metrics: Record<string, number>): Promise<void> {
    await client.publishAsync(deviceTopic(deviceId, 'telemetry'), JSON.stringify({ ts: Date.now(), metrics }), { qos: 1 });
  }

  /** Publishes on ioc/v1/anomalies as a service, the way the analytics service does. */
  async function publishAnomaly(event: Partial<AnomalyEvent> & Pick<AnomalyEvent, 'deviceId' | 'label' | 'state'>): Promise<void> {
    const client = await createMqttConnect({ mqttUrl: ioc.mqttUrl, serviceToken: ioc.config.serviceToken })('e2e-analytics', { reconnectPeriod: 0 });
    const body = { kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 9.7, threshold: 6, ts: Date.now(), ...event };
    await client.publishAsync(ANOMALIES_TOPIC, JSON.stringify(body), { qos: 1 });
    await client.endAsync();
  }

  const mapAttr = (name: string) => page.getAttribute('[data-testid="map"]', `data-${name}`);

  beforeAll(async () => {
    ensureWebBuilt();
    ioc = await startIoc({
      env: {
        IOC_DATA_DIR: dir.path,
        IOC_HTTP_PORT: '0',
        IOC_MQTT_PORT: '0',
        IOC_DEMO: 'off',
        IOC_ADMIN_PASSWORD: ADMIN_PASSWORD,
        IOC_LOG_LEVEL: 'warn',
      },
    });
    baseUrl = ioc.dashboardUrl as string;

    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;

    for (const device of DEVICES) {
      const created = await api('/api/devices', cookie, { ...device, kind: 'air' });
      expect(created.status).toBe(201);
      const { token } = (await created.json()) as { token: string };
      if (device === DEVICES[3]) continue;
      const client = await connectAsync(ioc.mqttUrl, { username: device.id, password: token, clientId: device.id, reconnectPeriod: 0 });
      clients.push(client);
      await publish(client, device.id, { pm25: 20 + clients.length, pm10: 40, temp_c: 29.5, rh: 78 });
    }
    // The readings are stored before the browser loads the page.
    await vi.waitFor(
      async () => {
        const { items } = (await (await api('/api/devices', cookie)).json()) as { items: { latest: unknown }[] };
        expect(items.filter((d) => d.latest !== null)).toHaveLength(3);
      },
      { timeout: 15_000, interval: 200 },
    );

    browser = await launchChromium(chromiumPath as string);
    page = await browser.newPage({ viewport: { width: 1600, height: 900 }, locale: 'vi-VN', timezoneId: 'Europe/Paris' });
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const client of clients) await client.endAsync();
    await ioc?.stop();
    dir.remove();
  });

  it('signs in through the Vietnamese form, refusing a wrong password with a message', async () => {
    await page.goto(baseUrl);
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill('not-the-password');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Đăng nhập không thành công');

    await page.getByLabel('Mật khẩu').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForSelector('[data-testid="map"][data-ready="true"]', { timeout: 30_000 });
  });

  it('draws the map of Huế with its attribution and the devices coloured by state', async () => {
    expect(await mapAttr('areas')).toBe('41');
    await expect.poll(() => mapAttr('devices')).toBe(String(DEVICES.length));
    await expect.poll(() => mapAttr('online')).toBe('3');
    expect(await mapAttr('offline')).toBe('1');
    expect(await mapAttr('fresh')).toBe('3');
    await expect.poll(() => mapAttr('connection'), { timeout: 15_000 }).toBe('connected');

    const attribution = page.locator('.maplibregl-ctrl-attrib');
    await expect.poll(() => attribution.textContent()).toContain('Open Development Mekong');
    expect(await attribution.isVisible()).toBe(true);
    expect(await page.getByText('CC BY-SA 4.0', { exact: false }).first().isVisible()).toBe(true);

    await expect.poll(() => page.locator('.kpi[data-kpi="total"] .kpi-value').textContent()).toBe('4');
    // The slim list, not every registry field of every device.
    expect(requested.filter((url) => new URL(url).pathname === '/api/devices').map((url) => new URL(url).search)).toEqual(['?view=map']);
  });

  it('applies telemetry published during the test', async () => {
    const before = Number(await mapAttr('updates'));
    const [client] = clients;
    const deviceId = DEVICES[0]?.id as string;
    await publish(client as MqttClient, deviceId, { pm25: 123.4 });
    await expect.poll(async () => Number(await mapAttr('updates')), { timeout: 15_000 }).toBeGreaterThan(before);

    // The device is now first in the recently-updated list; selecting it shows the new value, in Vietnamese.
    await page.locator(`[data-recent="${deviceId}"]`).click();
    const pm25 = page.locator(`.selected [data-device-id="${deviceId}"] [data-metric="pm25"]`);
    await expect.poll(() => pm25.textContent(), { timeout: 15_000 }).toBe('123,4 µg/m³');
    expect(await page.locator('.selected').textContent()).toContain('Bụi PM2.5');

    // The browser runs in Paris time; the wall shows Huế time (UTC+7).
    const shown = (await page.locator('.selected [data-field="updated"]').textContent()) as string;
    expect(shown).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const hueNow = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(Date.now());
    const seconds = (hms: string) => hms.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    const apart = Math.abs(seconds(hueNow) - seconds(shown));
    expect(Math.min(apart, 86_400 - apart)).toBeLessThan(600);
  });

  it('keeps up with a burst of messages and shows devices going offline', async () => {
    const before = Number(await mapAttr('updates'));
    const burst = 300;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < burst; i++) {
      const index = i % clients.length;
      sends.push(publish(clients[index] as MqttClient, DEVICES[index]?.id as string, { pm25: i, pm10: 2 * i }));
    }
    await Promise.all(sends);
    await expect.poll(async () => Number(await mapAttr('updates')), { timeout: 30_000 }).toBeGreaterThanOrEqual(before + burst);

    await (clients.pop() as MqttClient).endAsync();
    await expect.poll(() => mapAttr('offline'), { timeout: 15_000 }).toBe('2');
    await expect.poll(() => page.locator('.kpi[data-kpi="offline"] .kpi-value').textContent()).toBe('2');
  });

  it('lists raised anomalies in plain words, rings their devices and lets a cleared one fade out', async () => {
    const [faulty, flooded] = [DEVICES[0]?.id as string, DEVICES[1]?.id as string];
    await publishAnomaly({ deviceId: faulty, label: 'sensor_fault', state: 'raised' });
    await publishAnomaly({ deviceId: flooded, metric: 'pm10', label: 'episode', state: 'raised' });
    const row = (deviceId: string) => page.locator(`.anomalies [data-anomaly="${deviceId}"]`);
    await expect.poll(() => mapAttr('anomalies'), { timeout: 15_000 }).toBe('2');
    expect(await row(faulty).getAttribute('data-state')).toBe('raised');
    expect(await row(faulty).textContent()).toContain('Lỗi cảm biến');
    expect(await row(faulty).textContent()).toContain('Bụi PM2.5');
    expect(await row(flooded).textContent()).toContain('Sự cố môi trường');
    expect(await page.locator('.anomaly-count').textContent()).toBe('2');

    await publishAnomaly({ deviceId: faulty, label: 'sensor_fault', state: 'cleared', score: 1.1 });
    await expect.poll(() => row(faulty).getAttribute('data-state'), { timeout: 15_000 }).toBe('cleared');
    expect(await mapAttr('anomalies')).toBe('1');
    expect(await page.locator('.anomaly-count').textContent()).toBe('1');
    // Raised ones stay first; the cleared one fades and leaves the list.
    expect(await page.locator('.anomalies li').first().getAttribute('data-anomaly')).toBe(flooded);
    await expect.poll(() => row(faulty).count(), { timeout: 25_000, interval: 500 }).toBe(0);
    expect(await row(flooded).getAttribute('data-state')).toBe('raised');
  });

  it('renders a map that is not blank, with the device points in their state colours', async () => {
    await page.waitForFunction(() => document.querySelectorAll('.map canvas').length >= 2);
    await page.waitForTimeout(500); // let MapLibre and the deck.gl overlay paint the last frame
    const png = await page.locator('[data-testid="map"]').screenshot();
    const shot = join(dir.path, 'wall.png');
    writeFileSync(shot, await page.screenshot());
    console.log(`wall screenshot: ${shot}`);
    if (process.env.IOC_SCREENSHOT_DIR) writeFileSync(join(process.env.IOC_SCREENSHOT_DIR, 'wall.png'), await page.screenshot());

    const pixels = await page.evaluate(async (dataUrl) => {
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      const near = (i: number, [r, g, b]: number[]) =>
        Math.abs((data[i] as number) - (r as number)) + Math.abs((data[i + 1] as number) - (g as number)) + Math.abs((data[i + 2] as number) - (b as number)) < 30;
      const colours = new Set<number>();
      let green = 0;
      let red = 0;
      let ring = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add(((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number));
        if (near(i, [46, 213, 115])) green++;
        if (near(i, [235, 77, 75])) red++;
        if (near(i, [255, 61, 200])) ring++;
      }
      return { colours: colours.size, green, red, ring };
    }, `data:image/png;base64,${png.toString('base64')}`);
    expect(pixels.colours).toBeGreaterThan(50);
    expect(pixels.green).toBeGreaterThan(20);
    expect(pixels.red).toBeGreaterThan(20);
    expect(pixels.ring).toBeGreaterThan(20); // the raised episode's ring
  });

  it('switches to English and back', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('.kpi[data-kpi="online"] .kpi-label').textContent()).toBe('Online');
    expect(await page.locator(`.anomalies [data-anomaly="${DEVICES[1]?.id}"]`).textContent()).toContain('Environmental episode');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
    expect(await page.locator('.kpi[data-kpi="online"] .kpi-label').textContent()).toBe('Trực tuyến');
  });

  it('signs out back to the login form', async () => {
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByLabel('Tên đăng nhập').waitFor();
    expect(await page.locator('[data-testid="map"]').count()).toBe(0);
  });

  it('fetched nothing from outside, raised no page errors and broke no rule of its Content-Security-Policy', () => {
    const origin = new URL(baseUrl).origin;
    const outside = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
