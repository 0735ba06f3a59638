import { describe, expect, it } from 'vitest';
import { addressBucket, createBackoff, createLoginBackoff, ipOf } from '../src/login-backoff.ts';

function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('login backoff', () => {
  it('lets the free failures through, then doubles the wait up to the maximum', () => {
    const clock = manualClock();
    const backoff = createBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 5000 }, clock);
    expect([backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a')]).toEqual([
      0, 0, 1000, 2000, 4000, 5000,
    ]);
    expect(backoff.waitFor('a')).toBe(5000);
    expect(backoff.waitFor('b')).toBe(0);
    clock.advance(5000);
    expect(backoff.waitFor('a')).toBe(0);
    backoff.succeeded('a');
    expect(backoff.failed('a')).toBe(0);
  });

  it('forgets a key after a quiet period and never holds more than its maximum of keys', () => {
    const clock = manualClock();
    const backoff = createBackoff({ freeFailures: 1, baseMs: 1000, maxMs: 1000 }, clock, 3);
    backoff.failed('a');
    clock.advance(1001);
    expect(backoff.failed('a')).toBe(0); // the earlier failure is forgotten
    for (const key of ['b', 'c', 'd', 'e']) backoff.failed(key);
    expect(backoff.size).toBe(3);
  });

  it('takes the IP of IPv4 and IPv6 remote addresses', () => {
    expect(ipOf('10.0.0.7:51234')).toBe('10.0.0.7');
    expect(ipOf('::ffff:127.0.0.1:1883')).toBe('::ffff:127.0.0.1');
    expect(ipOf('unknown')).toBe('unknown');
  });

  it('counts IPv6 addresses by their /64 and IPv4-mapped ones as IPv4', () => {
    expect(addressBucket('10.0.0.7')).toBe('10.0.0.7');
    expect(addressBucket('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  });
});

describe('login backoff per username and address', () => {
  const policy = { username: { freeFailures: 2, baseMs: 1000, maxMs: 5000 }, ip: { freeFailures: 4, baseMs: 1000, maxMs: 5000 } };

  it('holds back the guesser, not the right credentials from an address without failures', () => {
    const logins = createLoginBackoff(policy, manualClock());
    for (let i = 0; i < 3; i++) logins.failed('admin', '203.0.113.9');
    expect(logins.waitFor('admin', '203.0.113.9')).toBe(1000);
    expect(logins.waitFor('admin', '198.51.100.1')).toBe(0);
    expect(logins.waitFor('admin', '2001:db8:1:2::5')).toBe(0);
  });

  it('holds back every address that failed for a username many addresses guess, and one address spraying usernames', () => {
    const logins = createLoginBackoff(policy, manualClock());
    for (let i = 0; i < 3; i++) logins.failed('admin', `203.0.113.${i}`);
    expect(logins.waitFor('admin', '203.0.113.0')).toBe(1000);
    expect(logins.waitFor('admin', '198.51.100.1')).toBe(0);
    const blocks = ['a', 'b', 'c', 'd', 'e'].flatMap((username) => logins.failed(username, '2001:db8:9:9::1'));
    expect(blocks).toEqual([{ scope: 'ip', address: '2001:db8:9:9::/64', waitMs: 1000 }]);
    expect(logins.waitFor('f', '2001:db8:9:9:ffff::2')).toBe(1000);
  });

  it('forgets a username\'s failures at an address once it logs in there', () => {
    const logins = createLoginBackoff(policy, manualClock());
    for (let i = 0; i < 3; i++) logins.failed('spk-1', '10.0.0.1');
    expect(logins.waitFor('spk-1', '10.0.0.1')).toBe(1000);
    logins.succeeded('spk-1', '10.0.0.1');
    expect(logins.waitFor('spk-1', '10.0.0.1')).toBe(0);
  });
});
