/**
 * @module Attack suite — rate limits: the exact 429 and its headers, per-route defaults and
 * configuration, exactness under 1,000 concurrent attempts (memory and real Redis), spoofed
 * forwarding headers, a trusted proxy's right-most untrusted address, IPv6 /64 and IPv4-mapped
 * buckets. Memory counters run on a frozen `Date` (vi fake timers, Date only) so that
 * `Retry-After` and `RateLimit-Reset` are exact.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { openTestRedisCounters, type TestRedisCounters } from '../../src/testing/test-redis.ts';
import { INVALID_CREDENTIALS, RATE_LIMITED, expectSecurityHeaders, jsonLogin, jsonOf, sessionCookies, sessionCount } from './attack-helpers.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** A login with an identity nobody has (so no lockout interferes) from `ip`. */
function strangerLogin(t: TestApp, ip: string, headers: Record<string, string> = {}): Promise<Response> {
  return jsonLogin(t, ip, uniqueEmail('stranger'), PASSWORD, headers);
}

function rateHeaders(res: Response) {
  return {
    limit: res.headers.get('ratelimit-limit'),
    remaining: res.headers.get('ratelimit-remaining'),
    reset: res.headers.get('ratelimit-reset'),
    policy: res.headers.get('ratelimit-policy'),
    retryAfter: res.headers.get('retry-after'),
  };
}

async function expectRateLimited(res: Response, label: string, retryAfter?: string): Promise<void> {
  expect(res.status, label).toBe(429);
  expect(await jsonOf(res), label).toEqual(RATE_LIMITED);
  const retry = res.headers.get('retry-after');
  expect(retry, `${label}: Retry-After`).toMatch(/^\d+$/);
  if (retryAfter !== undefined) expect(retry, `${label}: Retry-After`).toBe(retryAfter);
  expectSecurityHeaders(res, label);
}

/** Sends `n` failing logins from `ip` and checks each is an admitted 401. */
async function spend(t: TestApp, ip: string, n: number, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await strangerLogin(t, ip, headers);
    expect(res.status, `attempt ${i + 1} from ${ip}`).toBe(401);
    expect(await jsonOf(res)).toEqual(INVALID_CREDENTIALS);
  }
}

describe('rate limits on in-process counters', () => {
  let t: TestApp;
  let victim: PublicUserBody;
  beforeAll(async () => {
    t = await createTestApp();
    victim = await t.client().signUp();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('login: 5 per minute per IP; the 6th is 429 with the exact body, Retry-After and RateLimit-* headers', async () => {
    const ip = nextIp();
    for (let i = 1; i <= 5; i++) {
      const res = await strangerLogin(t, ip);
      expect(res.status).toBe(401);
      expect(await jsonOf(res)).toEqual(INVALID_CREDENTIALS);
      expect(rateHeaders(res)).toEqual({ limit: '5', remaining: String(5 - i), reset: '60', policy: '5;w=60', retryAfter: null });
    }
    const sessions = await sessionCount(t, victim.id);
    // The 6th — even with the right password — is refused and logs nobody in.
    const sixth = await jsonLogin(t, ip, victim.email, PASSWORD);
    await expectRateLimited(sixth, '6th login', '60');
    expect(rateHeaders(sixth)).toEqual({ limit: '5', remaining: '0', reset: '60', policy: '5;w=60', retryAfter: '60' });
    expect(sessionCookies(sixth)).toEqual([]);
    expect(await sessionCount(t, victim.id)).toBe(sessions);
    // Hammering never opens it: 20 more refusals, and the window did not restart.
    vi.setSystemTime(T0 + 30_000);
    for (let i = 0; i < 20; i++) await expectRateLimited(await strangerLogin(t, ip), `hammer ${i}`);
    const later = await jsonLogin(t, ip, victim.email, PASSWORD);
    await expectRateLimited(later, 'still limited', '30');
    expect(await sessionCount(t, victim.id)).toBe(sessions);
    // Once the window has passed, the budget is back.
    vi.setSystemTime(T0 + 60_001);
    const again = await jsonLogin(t, ip, victim.email, PASSWORD);
    expect(again.status).toBe(200);
    expect(rateHeaders(again).remaining).toBe('4');
  });

  it('login: the form route shares the budget and answers the 429 page with Retry-After', async () => {
    const ip = nextIp();
    await spend(t, ip, 5);
    const page = await t.request('/auth/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: 'email=a%40example.com&password=x' }, ip);
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toBe('60');
    expect(page.headers.get('content-type') ?? '').toMatch(/^text\/html/);
    expectSecurityHeaders(page, '429 page');
  });

  it('register: 3 per hour per IP; the 4th is 429 and creates no user', async () => {
    const ip = nextIp();
    for (let i = 1; i <= 3; i++) {
      const res = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('reg'), password: PASSWORD }) }, ip);
      expect(res.status).toBe(201);
      expect(rateHeaders(res)).toEqual({ limit: '3', remaining: String(3 - i), reset: '3600', policy: '3;w=3600', retryAfter: null });
    }
    const users = await t.userCount();
    const email = uniqueEmail('fourth');
    const fourth = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) }, ip);
    await expectRateLimited(fourth, '4th register', '3600');
    expect(rateHeaders(fourth)).toEqual({ limit: '3', remaining: '0', reset: '3600', policy: '3;w=3600', retryAfter: '3600' });
    expect(sessionCookies(fourth)).toEqual([]);
    expect(await t.userCount()).toBe(users);
    expect(await t.stores.users.findUserByEmailKey(email.toLowerCase())).toBeUndefined();
    // Another IP is not affected.
    const other = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('other'), password: PASSWORD }) }, nextIp());
    expect(other.status).toBe(201);
  });

  it('1,000 concurrent login attempts from one IP admit exactly the limit', async () => {
    const ip = nextIp();
    const all = await Promise.all(Array.from({ length: 1000 }, () => strangerLogin(t, ip)));
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(995);
    const remaining = all.filter((r) => r.status === 401).map((r) => r.headers.get('ratelimit-remaining')).sort();
    expect(remaining).toEqual(['0', '1', '2', '3', '4']);
  });

  it('a spoofed X-Forwarded-For / Forwarded from an untrusted peer never buys a fresh budget (nor spends someone else’s)', async () => {
    const ip = nextIp();
    const bystander = nextIp();
    const spoofs: Array<Record<string, string>> = [
      { 'x-forwarded-for': '1.1.1.1' },
      { 'x-forwarded-for': `${bystander}` },
      { forwarded: 'for=2.2.2.2' },
      { forwarded: `for="[2001:db8::1]:4711"` },
      { 'x-forwarded-for': '3.3.3.3, 4.4.4.4', forwarded: 'for=5.5.5.5;proto=https' },
    ];
    for (const headers of spoofs) await spend(t, ip, 1, headers);
    for (const headers of [...spoofs, { 'x-forwarded-for': '9.9.9.9' }, { 'x-real-ip': '8.8.8.8' }, { forwarded: 'for=unknown' }]) {
      await expectRateLimited(await strangerLogin(t, ip, headers), `spoof ${JSON.stringify(headers)}`, '60');
    }
    // The bystander whose address was put in the header still has the full budget.
    const first = await strangerLogin(t, bystander);
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('IPv6 clients in one /64 share a budget; another /64 has its own', async () => {
    const net = '2001:db8:5ec:1';
    const same = [`${net}::1`, `${net}::2`, `${net}:abcd::9`, `${net}:ffff:ffff:ffff:fffe`, `${net}:0:0:0:42`];
    for (const ip of same) await spend(t, ip, 1);
    await expectRateLimited(await strangerLogin(t, `${net}:1234:5678:9abc:def0`), 'same /64', '60');
    await expectRateLimited(await strangerLogin(t, `${net.toUpperCase()}::77`), 'same /64, upper case', '60');
    const other = await strangerLogin(t, '2001:db8:5ec:2::1');
    expect(other.status).toBe(401);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('an IPv4-mapped IPv6 address counts as the IPv4 client', async () => {
    const v4 = '198.51.100.77';
    await spend(t, `::ffff:${v4}`, 3);
    await spend(t, v4, 2);
    await expectRateLimited(await strangerLogin(t, v4), 'plain v4', '60');
    await expectRateLimited(await strangerLogin(t, `::ffff:${v4}`), 'mapped', '60');
    await expectRateLimited(await strangerLogin(t, `::FFFF:${v4}`), 'mapped, upper case', '60');
  });
});

describe('configurable limits (rateLimits option)', () => {
  it('login 2 per 10 s and register 1 per 2 min are enforced with matching headers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const t = await createTestApp({ rateLimits: { login: { count: 2, windowMs: 10_000 }, register: { count: 1, windowMs: 120_000 } } });
    try {
      const ip = nextIp();
      await spend(t, ip, 2);
      const third = await strangerLogin(t, ip);
      await expectRateLimited(third, '3rd login', '10');
      expect(rateHeaders(third)).toEqual({ limit: '2', remaining: '0', reset: '10', policy: '2;w=10', retryAfter: '10' });
      const reg = (email: string) => t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) }, ip);
      expect((await reg(uniqueEmail('cfg'))).status).toBe(201);
      const users = await t.userCount();
      const second = await reg(uniqueEmail('cfg'));
      await expectRateLimited(second, '2nd register', '120');
      expect(rateHeaders(second).policy).toBe('1;w=120');
      expect(await t.userCount()).toBe(users);
    } finally {
      vi.useRealTimers();
      await t.dispose();
    }
  });
});

describe('behind a trusted proxy (trustProxy: loopback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 'loopback' });
  });
  afterAll(async () => {
    await t?.dispose();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const PROXY = '127.0.0.1';

  it('two real clients behind the proxy get separate budgets', async () => {
    const a = '203.0.113.10';
    const b = '203.0.113.11';
    await spend(t, PROXY, 5, { 'x-forwarded-for': a });
    await expectRateLimited(await strangerLogin(t, PROXY, { 'x-forwarded-for': a }), 'client A', '60');
    const first = await strangerLogin(t, PROXY, { 'x-forwarded-for': b });
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit-remaining')).toBe('4');
    // And the proxy's own address was never the bucket.
    const direct = await strangerLogin(t, '127.0.0.1');
    expect(direct.status).toBe(401);
  });

  it('the right-most untrusted address is the client: prepending fake addresses never escapes', async () => {
    const client = '203.0.113.20';
    await spend(t, PROXY, 5, { 'x-forwarded-for': client });
    const escapes: Array<Record<string, string>> = [
      { 'x-forwarded-for': `1.2.3.4, ${client}` },
      { 'x-forwarded-for': `198.51.100.1, 10.0.0.1, ${client}` },
      { 'x-forwarded-for': `${client}, 127.0.0.2` }, // a second trusted hop is skipped, not believed as the client
      { 'x-forwarded-for': `::1, ${client}` },
      { 'x-forwarded-for': `garbage, ${client}` },
      // Prepended Forwarded elements (TRUST_PROXY_HEADER=forwarded): proxy-headers.attack.test.ts.
    ];
    for (const headers of escapes) await expectRateLimited(await strangerLogin(t, PROXY, headers), `escape ${JSON.stringify(headers)}`, '60');
  });

  it('forwarding headers from a peer outside the trusted set are ignored', async () => {
    const peer = nextIp();
    await spend(t, peer, 5, { 'x-forwarded-for': '203.0.113.30' });
    await expectRateLimited(await strangerLogin(t, peer, { 'x-forwarded-for': '203.0.113.31' }), 'untrusted peer', '60');
    const real = await strangerLogin(t, PROXY, { 'x-forwarded-for': '203.0.113.30' });
    expect(real.status).toBe(401);
    expect(real.headers.get('ratelimit-remaining')).toBe('4');
  });
});

describe('rate limits on real Redis counters', () => {
  let redis: TestRedisCounters;
  let t: TestApp;
  beforeAll(async () => {
    redis = await openTestRedisCounters();
    t = await createTestApp({ counters: redis.counters });
  });
  afterAll(async () => {
    await t?.dispose();
    await redis?.dispose();
  });

  it('the 6th login is 429 with the exact body and headers', async () => {
    const ip = nextIp();
    await spend(t, ip, 5);
    const sixth = await strangerLogin(t, ip);
    await expectRateLimited(sixth, 'redis 6th');
    const h = rateHeaders(sixth);
    expect(h.limit).toBe('5');
    expect(h.remaining).toBe('0');
    expect(h.policy).toBe('5;w=60');
    expect(Number(h.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(h.retryAfter)).toBeLessThanOrEqual(60);
    expect(h.reset).toBe(h.retryAfter);
  });

  it('1,000 concurrent login attempts from one IP admit exactly the limit', async () => {
    const ip = nextIp();
    const all = await Promise.all(Array.from({ length: 1000 }, () => strangerLogin(t, ip)));
    const statuses = all.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(995);
    const remaining = all.filter((r) => r.status === 401).map((r) => r.headers.get('ratelimit-remaining')).sort();
    expect(remaining).toEqual(['0', '1', '2', '3', '4']);
  });

  it('1,000 concurrent registrations from one IP create exactly 3 users', async () => {
    const ip = nextIp();
    const before = await t.userCount();
    const all = await Promise.all(
      Array.from({ length: 1000 }, () =>
        t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('burst'), password: PASSWORD }) }, ip),
      ),
    );
    expect(all.filter((r) => r.status === 201)).toHaveLength(3);
    expect(all.filter((r) => r.status === 429)).toHaveLength(997);
    expect(await t.userCount()).toBe(before + 3);
  });

  it('a spoofed X-Forwarded-For never buys a fresh budget', async () => {
    const ip = nextIp();
    for (let i = 0; i < 5; i++) await spend(t, ip, 1, { 'x-forwarded-for': `7.7.7.${i}` });
    await expectRateLimited(await strangerLogin(t, ip, { 'x-forwarded-for': '7.7.7.200' }), 'redis spoof');
  });
});
