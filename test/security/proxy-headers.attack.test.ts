/**
 * @module Attack suite — forwarding headers: behind a trusted proxy only the header
 * TRUST_PROXY_HEADER names is believed (X-Forwarded-For by default), so a client's own RFC 7239
 * `Forwarded`, which nginx passes through untouched, picks neither its rate-limit bucket, the
 * audit IP, the network a session is bound to, the /metrics loopback gate nor the scheme; and
 * every spelling of one address (IPv4-mapped in hex or dotted, case, leading zeros, zone id) is
 * one client. Memory counters run on a frozen `Date` so that budgets are exact.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FixedClock, createAuth, createMemoryCounterStore, type CounterStore } from '../../src/index.ts';
import { createReferenceApp } from '../../src/app/server.tsx';
import { clientBucket } from '../../src/core/client-ip.ts';
import { rateLimitKey } from '../../src/features/ratelimit/index.ts';
import { openTestStores } from '../../src/testing/test-database.ts';
import { PASSWORD, PUBLIC_ORIGIN, createTestApp, uniqueEmail, type TestApp } from '../http/harness.ts';
import { INVALID_CREDENTIALS, RATE_LIMITED, UNAUTHENTICATED, expectSecurityHeaders, jsonLogin, jsonOf, rawRequest, sessionCookies } from './attack-helpers.ts';

const T0 = Date.UTC(2030, 2, 1, 9, 0, 0);
/** nginx on the same host: the only trusted peer with TRUST_PROXY=loopback. */
const PROXY = '127.0.0.1';
const LOGIN_LIMIT = 5;

/** A login with an identity nobody has (no lockout interferes), arriving through the proxy. */
function strangerLogin(t: TestApp, headers: Record<string, string>, peer = PROXY): Promise<Response> {
  return jsonLogin(t, peer, uniqueEmail('stranger'), PASSWORD, headers);
}

async function expectAdmitted(res: Response, label: string, remaining?: number): Promise<void> {
  expect(res.status, label).toBe(401);
  expect(await jsonOf(res), label).toEqual(INVALID_CREDENTIALS);
  if (remaining !== undefined) expect(res.headers.get('ratelimit-remaining'), `${label}: RateLimit-Remaining`).toBe(String(remaining));
}

async function expectRateLimited(res: Response, label: string): Promise<void> {
  expect(res.status, label).toBe(429);
  expect(await jsonOf(res), label).toEqual(RATE_LIMITED);
  expect(sessionCookies(res), label).toEqual([]);
  expectSecurityHeaders(res, label);
}

/** How many login attempts the counters hold for the client at `ip` (undefined: never counted). */
async function loginCount(counters: CounterStore, ip: string): Promise<number | undefined> {
  return (await counters.peek(rateLimitKey('login', clientBucket(ip))))?.count;
}

/** Spends the whole login budget of `ip` as the proxy forwards it (X-Forwarded-For overwritten, as nginx's `$remote_addr`). */
async function spendBudget(t: TestApp, ip: string, header: 'x-forwarded-for' | 'forwarded' = 'x-forwarded-for'): Promise<void> {
  for (let i = 0; i < LOGIN_LIMIT; i++) {
    await expectAdmitted(await strangerLogin(t, header === 'forwarded' ? { forwarded: `for=${ip}` } : { 'x-forwarded-for': ip }), `attempt ${i + 1} of ${ip}`);
  }
}

function fakeDate(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

describe('TRUST_PROXY=loopback, TRUST_PROXY_HEADER unset: a client-sent Forwarded is never believed', () => {
  let t: TestApp;
  let counters: CounterStore;
  beforeAll(async () => {
    counters = createMemoryCounterStore();
    t = await createTestApp({ trustProxy: 'loopback', counters });
  });
  afterAll(async () => {
    await t?.dispose();
  });
  fakeDate();

  it('Forwarded: for=… buys no fresh login budget, and spends nobody else’s', async () => {
    const real = '203.0.113.40';
    const forged = ['198.51.100.40', '127.0.0.1', '::1', '2001:db8::40'];
    await spendBudget(t, real);
    const spoofs = [
      ...forged.map((ip) => ({ 'x-forwarded-for': real, forwarded: ip.includes(':') ? `for="[${ip}]"` : `for=${ip}` })),
      { 'x-forwarded-for': real, forwarded: `for=${forged[0]};proto=https, for=${forged[1]}` },
      { 'x-forwarded-for': real, forwarded: `for="${forged[0]}:4711"` },
    ];
    for (const headers of spoofs) await expectRateLimited(await strangerLogin(t, headers), `spoof ${JSON.stringify(headers)}`);
    // Every refused attempt counted for the real client; no forged address was ever counted.
    expect(await loginCount(counters, real)).toBe(LOGIN_LIMIT + spoofs.length);
    for (const ip of forged) expect(await loginCount(counters, ip), ip).toBeUndefined();
    // The address put in the header still has its whole budget.
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': forged[0] ?? '' }), 'bystander', LOGIN_LIMIT - 1);
  });

  it('the audit trail records the address the proxy saw, never the one in Forwarded', async () => {
    const real = '203.0.113.41';
    const forged = '198.51.100.41';
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': real, forwarded: `for=${forged}` }), 'login');
    await t.auth.flush();
    expect((await t.auth.admin.listAudit({ event: 'login.failed', ip: real, offset: 0, limit: 10 })).total).toBe(1);
    expect((await t.auth.admin.listAudit({ ip: forged, offset: 0, limit: 10 })).total).toBe(0);
  });

  it('Forwarded: proto=https does not make a plain-HTTP request HTTPS (FORCE_HTTPS still redirects, nothing is processed)', async () => {
    const secureApp = await createTestApp({ trustProxy: 'loopback', forceHttps: true, publicOrigin: 'https://auth.example.com' });
    try {
      for (const headers of [
        { 'x-forwarded-for': '203.0.113.42', 'x-forwarded-proto': 'http', forwarded: 'for=203.0.113.42;proto=https' },
        { 'x-forwarded-for': '203.0.113.42', forwarded: 'proto=https' },
      ] as Array<Record<string, string>>) {
        const page = await secureApp.request('http://localhost:3000/login', { headers: { ...headers, accept: 'text/html' } }, PROXY);
        expect(page.status, JSON.stringify(headers)).toBe(301);
        expect(page.headers.get('location')).toBe('https://auth.example.com/login');
        expect(page.headers.get('strict-transport-security')).toBeNull();
        const before = await secureApp.userCount();
        const post = await secureApp.request(
          'http://localhost:3000/auth/register',
          { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('plain'), password: PASSWORD }) },
          PROXY,
        );
        expect(post.status, JSON.stringify(headers)).toBe(308);
        expect(post.headers.getSetCookie()).toEqual([]);
        expect(await secureApp.userCount()).toBe(before);
      }
    } finally {
      await secureApp.dispose();
    }
  });

  it('a stolen session cookie cannot borrow its owner’s network through Forwarded (SESSION_PROTECTION=strong)', async () => {
    const strong = await createTestApp({ trustProxy: 'loopback', session: { protection: 'strong' } });
    try {
      const owner = strong.client({ ip: PROXY });
      const email = uniqueEmail('owner');
      await strong.client().signUp({ email });
      const ownerNet = { 'x-forwarded-for': '203.0.113.43' };
      expect((await owner.login({ email }, ownerNet)).res.status).toBe(200);
      expect((await owner.send('/auth/me', { headers: ownerNet })).status).toBe(200);
      const thief = owner.clone();
      const stolen = await thief.send('/auth/me', { headers: { 'x-forwarded-for': '198.51.100.43', forwarded: 'for=203.0.113.43' } });
      expect(stolen.status).toBe(401);
      expect(await jsonOf(stolen)).toEqual(UNAUTHENTICATED);
      // The session died where the thief really was: the audit names the thief's address, not the owner's.
      await strong.auth.flush();
      expect((await strong.auth.admin.listAudit({ event: 'session.revoked', ip: '198.51.100.43', offset: 0, limit: 10 })).total).toBe(1);
      expect((await strong.auth.admin.listAudit({ event: 'session.revoked', ip: '203.0.113.43', offset: 0, limit: 10 })).total).toBe(0);
    } finally {
      await strong.dispose();
    }
  });
});

describe('/metrics without a token: the loopback gate behind a loopback proxy', () => {
  let app: ReturnType<typeof createReferenceApp>['app'];
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestStores();
    dispose = opened.dispose;
    const auth = createAuth({ secretKey: randomBytes(48).toString('base64url'), environment: 'test', publicOrigin: PUBLIC_ORIGIN, stores: opened.stores, clock: new FixedClock(), metrics: true, trustProxy: 'loopback', identity: { confirmation: 'off' } });
    app = createReferenceApp(auth, { metrics: { token: null } }).app;
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('stays closed to a remote client that writes Forwarded: for=127.0.0.1', async () => {
    // A scraper on the host itself (no forwarding header) is served: the gate is really there.
    expect((await rawRequest(app, '/metrics', {}, PROXY)).status).toBe(200);
    for (const forwarded of ['for=127.0.0.1', 'for="[::1]"', 'for="127.0.0.1:9100";proto=https', 'for=203.0.113.44, for=127.0.0.1']) {
      const res = await rawRequest(app, '/metrics', { headers: { 'x-forwarded-for': '203.0.113.44', forwarded, accept: 'application/json' } }, PROXY);
      expect(res.status, forwarded).toBe(404);
      const body = await res.text();
      expect(body, forwarded).not.toContain('portcullis_');
      expect(JSON.parse(body), forwarded).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    }
  });
});

describe('every spelling of one address is one client', () => {
  let t: TestApp;
  let counters: CounterStore;
  beforeAll(async () => {
    counters = createMemoryCounterStore();
    t = await createTestApp({ trustProxy: 'loopback', counters });
  });
  afterAll(async () => {
    await t?.dispose();
  });
  fakeDate();

  it('IPv4-mapped spellings (hex, dotted, case, leading zeros, zone id) share the IPv4 client’s budget', async () => {
    const spellings = ['198.51.100.50', '::ffff:198.51.100.50', '::ffff:c633:6432', '::FFFF:C633:6432', '0:0:0:0:0:ffff:c633:6432'];
    for (const ip of spellings) await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': ip }), ip);
    const refused = [...spellings, '0000:0000:0000:0000:0000:FFFF:C633:6432', '::ffff:c633:6432%eth0'];
    for (const ip of refused) await expectRateLimited(await strangerLogin(t, { 'x-forwarded-for': ip }), `spelling ${ip}`);
    expect(await loginCount(counters, '198.51.100.50')).toBe(spellings.length + refused.length);
    // No IPv6 bucket was started for any of them.
    expect(await counters.peek(rateLimitKey('login', '0:0:0:0::/64'))).toBeUndefined();
  });

  it('two IPv4 clients written as mapped hex are two clients, not one ::/64', async () => {
    await spendBudget(t, '::ffff:c612:9');
    await expectRateLimited(await strangerLogin(t, { 'x-forwarded-for': '198.18.0.9' }), 'the same client, dotted');
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': '::ffff:c612:a' }), 'its neighbour', LOGIN_LIMIT - 1);
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': '198.18.0.10' }), 'its neighbour, dotted', LOGIN_LIMIT - 2);
  });

  it('the socket peer in any spelling is one client', async () => {
    const peers = ['::ffff:c633:6433', '198.51.100.51', '::FFFF:198.51.100.51', '0:0:0:0:0:ffff:c633:6433', '::ffff:c633:6433%1'];
    for (const peer of peers) await expectAdmitted(await strangerLogin(t, {}, peer), `peer ${peer}`);
    await expectRateLimited(await strangerLogin(t, {}, '198.51.100.51'), 'peer, plain');
    await expectRateLimited(await strangerLogin(t, {}, '::ffff:c633:6433'), 'peer, hex');
  });

  it('IPv6 spellings (case, leading zeros, zone id) share the /64 budget', async () => {
    const spellings = ['2001:db8:5ec:7::1', '2001:DB8:5EC:7::2', '2001:0db8:05ec:0007:0000:0000:0000:0003', '2001:db8:5ec:7::4%eth0', '2001:db8:5ec:7:0:0:0:5'];
    for (const ip of spellings) await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': ip }), ip);
    await expectRateLimited(await strangerLogin(t, { 'x-forwarded-for': '2001:db8:5ec:7:ffff::1' }), 'same /64');
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': '2001:db8:5ec:8::1' }), 'next /64', LOGIN_LIMIT - 1);
  });

  it('the trust list judges every spelling of the proxy alike', async () => {
    const client = '203.0.113.45';
    const proxies = ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::1', '0:0:0:0:0:0:0:1'];
    for (const [i, proxy] of proxies.entries()) {
      await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': client }, proxy), `proxy ${proxy}`, LOGIN_LIMIT - 1 - i);
    }
    expect(await loginCount(counters, client)).toBe(proxies.length);
    for (const proxy of ['127.0.0.1', '::1']) expect(await loginCount(counters, proxy), proxy).toBeUndefined();
    // A peer outside the list, however written, is its own client: its header is ignored.
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': '198.51.100.201' }, '::ffff:cb00:712e'), 'outsider, hex', LOGIN_LIMIT - 1);
    await expectAdmitted(await strangerLogin(t, { 'x-forwarded-for': '198.51.100.202' }, '203.0.113.46'), 'outsider, dotted', LOGIN_LIMIT - 2);
    for (const forged of ['198.51.100.201', '198.51.100.202']) expect(await loginCount(counters, forged), forged).toBeUndefined();
  });
});

describe('TRUST_PROXY_HEADER=forwarded (opt-in): X-Forwarded-* are never believed', () => {
  let t: TestApp;
  let counters: CounterStore;
  beforeAll(async () => {
    counters = createMemoryCounterStore();
    t = await createTestApp({ trustProxy: 'loopback', trustProxyHeader: 'forwarded', counters });
  });
  afterAll(async () => {
    await t?.dispose();
  });
  fakeDate();

  it('a client-sent X-Forwarded-For or a prepended Forwarded element buys no fresh budget', async () => {
    const real = '203.0.113.60';
    const forged = '198.51.100.60';
    await spendBudget(t, real, 'forwarded');
    for (const headers of [
      { 'x-forwarded-for': forged, forwarded: `for=${real}` },
      { forwarded: `for=${forged}, for=${real}` },
      { forwarded: `for="${forged}, for=127.0.0.1", for=${real}` },
    ] as Array<Record<string, string>>) {
      await expectRateLimited(await strangerLogin(t, headers), JSON.stringify(headers));
    }
    expect(await loginCount(counters, forged)).toBeUndefined();
    expect(await loginCount(counters, real)).toBe(LOGIN_LIMIT + 3);
  });

  it('the scheme is the edge proxy’s proto=, never the client’s own element or X-Forwarded-Proto', async () => {
    const secureApp = await createTestApp({ trustProxy: 'loopback', trustProxyHeader: 'forwarded', forceHttps: true, publicOrigin: 'https://auth.example.com' });
    try {
      const edgeHttps = await secureApp.request('http://localhost:3000/login', { headers: { forwarded: 'for=203.0.113.61;proto=https', accept: 'text/html' } }, PROXY);
      expect(edgeHttps.status).toBe(200);
      expectSecurityHeaders(edgeHttps, 'https via the edge', { https: true });
      for (const headers of [
        { forwarded: 'for=6.6.6.6;proto=https, for=203.0.113.61;proto=http' },
        { 'x-forwarded-proto': 'https', forwarded: 'for=203.0.113.61;proto=http' },
      ] as Array<Record<string, string>>) {
        const res = await secureApp.request('http://localhost:3000/login', { headers: { ...headers, accept: 'text/html' } }, PROXY);
        expect(res.status, JSON.stringify(headers)).toBe(301);
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
    } finally {
      await secureApp.dispose();
    }
  });
});
