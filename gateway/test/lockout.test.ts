import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMqttAccount, listAuditEvents } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { connect, serviceLogin, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

/** The attacker's address: another loopback address than the legitimate clients' 127.0.0.1. */
const ATTACKER = '127.0.0.2';

/** One login attempt with mosquitto_pub from `bind`; resolves with its output (mosquitto prints the CONNACK refusal). */
function attempt(port: number, bind: string, username: string, password: string, clientId = username): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      mosquittoPub as string,
      ['-h', '127.0.0.1', '-p', String(port), '-A', bind, '-V', 'mqttv311', '-i', clientId, '-u', username, '-P', password, '-t', 'x', '-m', 'x'],
      { timeout: 10_000 },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
}

describe.skipIf(!mosquittoPub)('gateway: wrong passwords lock out the guesser, not the right credentials (attack)', () => {
  let f: GatewayFixture;
  let speakerToken: string;
  let adminToken: string;

  beforeAll(async () => {
    // The default free failures (5 per username, 20 per address), but waits of a minute: a block must not run out
    // while the test is still making its attempts (with the default 1 s first wait, a quick machine let it expire).
    const wait = { baseMs: 60_000, maxMs: 300_000 };
    f = await startGatewayFixture({ security: { backoff: { username: { freeFailures: 5, ...wait }, ip: { freeFailures: 20, ...wait } } } });
    speakerToken = await f.addDevice('spk-lockout-1', 'speaker');
    adminToken = (await createMqttAccount(f.db, { name: 'ops', role: 'admin' })).token;
  });
  afterAll(() => f.close());

  it('keeps svc:ingest, a loudspeaker and admin:ops logging in from their address while another guesses their passwords', async () => {
    const victims = [
      { username: 'svc:ingest', clientId: 'svc:ingest/x' },
      { username: 'spk-lockout-1', clientId: 'spk-lockout-1' },
      { username: 'admin:ops', clientId: 'admin:ops/x' },
    ];
    // Six wrong passwords each, twice over: more than the username's five free failures, from the attacker's address.
    for (let round = 0; round < 2; round++) {
      for (const { username, clientId } of victims) {
        for (let i = 0; i < 6; i++) await attempt(f.gateway.port, ATTACKER, username, `wrong-${round}-${i}`, clientId);
      }
    }
    // The attacker is held back, even with a right password it might have found...
    expect(await attempt(f.gateway.port, ATTACKER, 'spk-lockout-1', speakerToken)).toMatch(/not authori[sz]ed/i);
    // ...while the right credentials from an address without failures go through.
    const service = await serviceLogin(f.url, 'ingest');
    const speaker = await connect(f.url, { clientId: 'spk-lockout-1', username: 'spk-lockout-1', password: speakerToken });
    const admin = await connect(f.url, { username: 'admin:ops', password: adminToken });
    expect([service.connected, speaker.connected, admin.connected]).toEqual([true, true, true]);
    await Promise.all([service.endAsync(), speaker.endAsync(), admin.endAsync()]);
    await vi.waitFor(async () => {
      const blocks = await listAuditEvents(f.db, { action: 'mqtt.login_blocked', subject: 'spk-lockout-1' });
      expect(blocks.map((event) => event.target)).toContain(`spk-lockout-1 from ${ATTACKER}`);
    });
  });

  it('keeps only the start of an unknown username in the log and the audit log (a token typed as a username)', async () => {
    const secret = `${'S'.repeat(12)}ecret-token-typed-in-the-wrong-field-0123`;
    const output = await attempt(f.gateway.port, '127.0.0.3', secret, 'x', 'spk-unknown-1');
    expect(output).toMatch(/bad user ?name or password|not authori[sz]ed/i);
    const shown = `${'S'.repeat(12)}… (${secret.length} characters)`;
    await vi.waitFor(() => expect(f.logLines().some((line) => line.username === shown)).toBe(true));
    expect(JSON.stringify(f.logLines())).not.toContain('ecret-token');
    await vi.waitFor(async () => expect((await listAuditEvents(f.db, { action: 'mqtt.auth_failure', subject: shown })).length).toBeGreaterThan(0));
    const audit = await listAuditEvents(f.db, { limit: 1000 });
    expect(JSON.stringify(audit)).not.toContain('ecret-token');
  });

  it('still holds back an address that sprays usernames', async () => {
    const sprayer = '127.0.0.4';
    for (let i = 0; i < 21; i++) await attempt(f.gateway.port, sprayer, `svc:spray-${i}`, 'wrong', `svc:spray-${i}`);
    expect(await attempt(f.gateway.port, sprayer, 'svc:fresh', SERVICE_TOKEN, 'svc:fresh')).toMatch(/not authori[sz]ed/i);
    (await serviceLogin(f.url, 'fresh')).end(true);
  });
});
