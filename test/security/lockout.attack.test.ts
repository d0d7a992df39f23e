/**
 * @module Attack suite — per-identity lockout: the backoff curve step by step (Date faked for the
 * in-process counters, so no sleeping), locked means locked even with the right password and
 * the refusal is not a new failure, a success resets, unknown identities lock the same way,
 * every way of presenting a password (JSON, form, Basic), the per-IP failure budget, and the
 * known-device rule. On real Redis (server-side expiry): exactness and presence of locks.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryCounterStore, type CounterStore } from '../../src/index.ts';
import { lockoutKeys, lockoutScope, lockoutSubject } from '../../src/features/lockout/index.ts';
import { identityKey } from '../../src/flows/credentials.ts';
import { openTestRedisCounters, type TestRedisCounters } from '../../src/testing/test-redis.ts';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type PublicUserBody, type TestApp } from '../http/harness.ts';
import {
  INVALID_CREDENTIALS,
  RATE_LIMITED,
  UNAUTHENTICATED,
  basicHeader,
  expectSecurityHeaders,
  headerPairs,
  jsonLogin,
  jsonOf,
  sessionCookies,
  sessionCount,
} from './attack-helpers.ts';

const T0 = Date.UTC(2030, 5, 1, 8, 0, 0);
const WRONG = 'not the password at all';
/** The login limit is lifted so that lockout, not the per-IP rate limit, is what answers. */
const NO_RATE_LIMIT = { login: { count: 1_000_000, windowMs: 60_000 } };

async function expectInvalid(res: Response, label: string): Promise<void> {
  expect(res.status, label).toBe(401);
  expect(await jsonOf(res), label).toEqual(INVALID_CREDENTIALS);
  expect(res.headers.get('retry-after'), label).toBeNull();
  expect(sessionCookies(res), label).toEqual([]);
}

async function expectLocked(res: Response, label: string, retryAfter?: number): Promise<void> {
  expect(res.status, label).toBe(429);
  expect(await jsonOf(res), label).toEqual(RATE_LIMITED);
  if (retryAfter !== undefined) expect(res.headers.get('retry-after'), `${label}: Retry-After`).toBe(String(retryAfter));
  else expect(res.headers.get('retry-after'), `${label}: Retry-After`).toMatch(/^[1-9]\d*$/);
  expect(sessionCookies(res), label).toEqual([]);
  expectSecurityHeaders(res, label);
}

/**
 * The failure count the counter store holds in a shared ("any network") budget: an account's
 * (keyed by its id, whatever spelling was typed) or an identity's that no account holds.
 */
async function failuresOf(counters: CounterStore, of: { id: string } | string): Promise<number> {
  const subject = typeof of === 'string' ? lockoutSubject.unknownIdentity(identityKey(of)) : lockoutSubject.user(of.id);
  return (await counters.peek(lockoutKeys.failures(lockoutScope(subject, '', false))))?.count ?? 0;
}

describe('lockout on in-process counters (Date faked)', () => {
  let t: TestApp;
  let counters: CounterStore;
  beforeAll(async () => {
    counters = createMemoryCounterStore();
    t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters });
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

  it('faking Date really moves the in-process counters’ expiry', async () => {
    const key = `probe:${nextIp()}`;
    await counters.put(key, 1, 1_000);
    expect((await counters.peek(key))?.resetInMs).toBe(1_000);
    vi.setSystemTime(T0 + 999);
    expect((await counters.peek(key))?.resetInMs).toBe(1);
    vi.setSystemTime(T0 + 1_000);
    expect(await counters.peek(key)).toBeUndefined();
  });

  it('the curve step by step: 3 → 1 s, 4 → 2 s, 5 → 4 s … capped at 15 min; locked even with the right password', async () => {
    const user = await t.client().signUp();
    const sessions = await sessionCount(t, user.id);
    let now = T0;
    for (let n = 1; n <= 2; n++) await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), `failure ${n}`);
    // After 2 failures the right password would still work — but we keep failing.
    const expected: Array<[number, number]> = [
      [3, 1], [4, 2], [5, 4], [6, 8], [7, 16], [8, 32], [9, 64], [10, 128], [11, 256], [12, 512], [13, 900], [14, 900], [15, 900],
    ];
    for (const [failure, seconds] of expected) {
      await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), `failure ${failure}`);
      expect(await failuresOf(counters, user)).toBe(failure);
      // Locked: the right password is refused with the exact Retry-After.
      await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), `after ${failure}: right password`, seconds);
      // The refusal is not a new failure: the count is unchanged and so is the lock.
      await expectLocked(await jsonLogin(t, nextIp(), user.email, WRONG), `after ${failure}: wrong password while locked`, seconds);
      expect(await failuresOf(counters, user)).toBe(failure);
      // One millisecond before the end it is still locked; at the end it opens.
      vi.setSystemTime((now += seconds * 1000 - 1));
      await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), `after ${failure}: 1 ms before the end`, 1);
      vi.setSystemTime((now += 1));
    }
    expect(await sessionCount(t, user.id)).toBe(sessions);
    // Open again: the right password works, and resets the curve.
    const ok = await jsonLogin(t, nextIp(), user.email, PASSWORD);
    expect(ok.status).toBe(200);
    expect(await failuresOf(counters, user)).toBe(0);
    for (let n = 1; n <= 2; n++) await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), `after reset ${n}`);
    expect((await jsonLogin(t, nextIp(), user.email, PASSWORD)).status).toBe(200);
    for (let n = 1; n <= 3; n++) await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), `after 2nd reset ${n}`);
    await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), 'curve restarted at 1 s', 1);
  });

  it('a custom curve (threshold 5, base 10 s, max 30 s) is followed exactly', async () => {
    const custom = await createTestApp({ rateLimits: NO_RATE_LIMIT, lockout: { threshold: 5, baseDelayMs: 10_000, maxDelayMs: 30_000 } });
    try {
      const user = await custom.client().signUp();
      let now = T0;
      for (let n = 1; n <= 4; n++) await expectInvalid(await jsonLogin(custom, nextIp(), user.email, WRONG), `failure ${n}`);
      expect((await jsonLogin(custom, nextIp(), user.email, PASSWORD)).status).toBe(200);
      for (let n = 1; n <= 4; n++) await expectInvalid(await jsonLogin(custom, nextIp(), user.email, WRONG), `again ${n}`);
      for (const [failure, seconds] of [[5, 10], [6, 20], [7, 30], [8, 30]] as const) {
        await expectInvalid(await jsonLogin(custom, nextIp(), user.email, WRONG), `failure ${failure}`);
        await expectLocked(await jsonLogin(custom, nextIp(), user.email, PASSWORD), `after ${failure}`, seconds);
        vi.setSystemTime((now += seconds * 1000));
      }
    } finally {
      await custom.dispose();
    }
  });

  it('the identity is normalised: case and spacing variants share one lock', async () => {
    const user = await t.client().signUp();
    const variants = [user.email, user.email.toUpperCase(), `  ${user.email}  `];
    for (const variant of variants) await expectInvalid(await jsonLogin(t, nextIp(), variant, WRONG), variant);
    for (const variant of [...variants, user.email.replace(/^./, (c) => c.toUpperCase())]) {
      await expectLocked(await jsonLogin(t, nextIp(), variant, PASSWORD), `locked as ${variant}`, 1);
    }
  });

  it('an unknown identity is counted exactly like an existing one: same status, body and headers when locked', async () => {
    const user = await t.client().signUp();
    const ghost = uniqueEmail('ghost');
    const ipsReal = [nextIp(), nextIp(), nextIp(), nextIp()];
    const ipsGhost = [nextIp(), nextIp(), nextIp(), nextIp()];
    for (let i = 0; i < 3; i++) {
      const real = await jsonLogin(t, ipsReal[i] ?? '', user.email, WRONG);
      const fake = await jsonLogin(t, ipsGhost[i] ?? '', ghost, WRONG);
      expect(real.status).toBe(fake.status);
      expect(await jsonOf(real)).toEqual(await jsonOf(fake));
      expect(headerPairs(real)).toEqual(headerPairs(fake));
    }
    const lockedReal = await jsonLogin(t, ipsReal[3] ?? '', user.email, PASSWORD);
    const lockedGhost = await jsonLogin(t, ipsGhost[3] ?? '', ghost, PASSWORD);
    await expectLocked(lockedReal.clone(), 'existing', 1);
    await expectLocked(lockedGhost.clone(), 'unknown', 1);
    expect(await jsonOf(lockedReal)).toEqual(await jsonOf(lockedGhost));
    expect(headerPairs(lockedReal)).toEqual(headerPairs(lockedGhost));
    expect(await failuresOf(counters, ghost)).toBe(3);
  });

  it('applies to JSON login, form login and Basic auth alike — one shared count', async () => {
    const user = await t.client().signUp();
    const sessions = await sessionCount(t, user.id);
    // One failure each way.
    await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), 'json failure');
    const browser = t.client();
    const form = await browser.postForm('/auth/login', { email: user.email, password: WRONG }, { csrfFrom: '/login' });
    expect(form.status).toBe(401);
    expect(await form.text()).toContain('Invalid credentials');
    const basic = await t.request('/auth/me', { headers: { authorization: basicHeader(user.email, WRONG), accept: 'application/json' } }, nextIp());
    expect(basic.status).toBe(401);
    expect(await jsonOf(basic)).toEqual(UNAUTHENTICATED);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await failuresOf(counters, user)).toBe(3);
    // Now locked for every way in, with the right password.
    await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), 'json locked', 1);
    const formBrowser = t.client();
    const lockedForm = await formBrowser.postForm('/auth/login', { email: user.email, password: PASSWORD }, { csrfFrom: '/login' });
    expect(lockedForm.status).toBe(429);
    expect(lockedForm.headers.get('retry-after')).toBe('1');
    expect(lockedForm.headers.get('content-type') ?? '').toMatch(/^text\/html/);
    expect(sessionCookies(lockedForm)).toEqual([]);
    const lockedFormJson = await formBrowser.send('/auth/login', { form: { email: user.email, password: PASSWORD, csrf_token: await formBrowser.pageCsrf('/login') }, headers: { accept: 'application/json', origin: 'http://localhost:3000' } });
    await expectLocked(lockedFormJson, 'form (JSON answer) locked', 1);
    const lockedBasic = await t.request('/auth/me', { headers: { authorization: basicHeader(user.email, PASSWORD), accept: 'application/json' } }, nextIp());
    await expectLocked(lockedBasic, 'basic locked', 1);
    const lockedBasicByName = await t.request('/auth/me', { headers: { authorization: basicHeader(user.email.toUpperCase(), PASSWORD), accept: 'application/json' } }, nextIp());
    await expectLocked(lockedBasicByName, 'basic locked (case variant)', 1);
    expect(await failuresOf(counters, user)).toBe(3);
    expect(await sessionCount(t, user.id)).toBe(sessions);
    // Basic while locked did not authenticate: no user in the answer.
    vi.setSystemTime(T0 + 1_000);
    const open = await t.request('/auth/me', { headers: { authorization: basicHeader(user.email, PASSWORD), accept: 'application/json' } }, nextIp());
    expect(open.status).toBe(200);
    expect(await failuresOf(counters, user)).toBe(0);
  });
});

describe('the per-IP failure budget (credential stuffing)', () => {
  it('one IP cannot spray one password across many identities', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const counters = createMemoryCounterStore();
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters, lockout: { ipFailureBudget: { count: 5, windowMs: 3_600_000 } } });
    try {
      const victims: PublicUserBody[] = [];
      for (let i = 0; i < 4; i++) victims.push(await t.client().signUp());
      const sprayer = nextIp();
      const targets = [uniqueEmail('spray'), victims[0]!.email, uniqueEmail('spray'), victims[1]!.email, uniqueEmail('spray')];
      for (const target of targets) await expectInvalid(await jsonLogin(t, sprayer, target, 'Summer2024!'), `spray ${target}`);
      // Budget spent: more identities, even a hit with the right password, are refused.
      for (const target of [uniqueEmail('spray'), victims[2]!.email, victims[3]!.email]) {
        await expectLocked(await jsonLogin(t, sprayer, target, 'Summer2024!'), `over budget ${target}`, 3600);
      }
      const sessions = await sessionCount(t, victims[3]!.id);
      await expectLocked(await jsonLogin(t, sprayer, victims[3]!.email, PASSWORD), 'over budget, right password', 3600);
      expect(await sessionCount(t, victims[3]!.id)).toBe(sessions);
      // Refusals over budget were not counted against those identities.
      expect(await failuresOf(counters, victims[2]!)).toBe(0);
      expect(await failuresOf(counters, victims[0]!)).toBe(1);
      // Nobody else is affected: the victims log in from their own networks.
      for (const v of victims) expect((await jsonLogin(t, nextIp(), v.email, PASSWORD)).status, v.email).toBe(200);
    } finally {
      vi.useRealTimers();
      await t.dispose();
    }
  });
});

/** The victim logs in from A; an attacker from B locks the identity for B only. */
async function knownDeviceScenario(t: TestApp): Promise<void> {
  const victimIp = nextIp();
  const attackerIp = nextIp();
  const user = await t.client({ ip: victimIp }).signUp();
  const first = await jsonLogin(t, victimIp, user.email, PASSWORD);
  expect(first.status).toBe(200);
  for (let i = 0; i < 6; i++) {
    const res = await jsonLogin(t, attackerIp, user.email, WRONG);
    expect([401, 429], `attacker attempt ${i + 1}`).toContain(res.status);
  }
  await expectLocked(await jsonLogin(t, attackerIp, user.email, PASSWORD), 'attacker network, right password');
  await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), 'a third network');
  const victim = await jsonLogin(t, victimIp, user.email, PASSWORD);
  expect(victim.status, 'the victim, from the usual network, still logs in').toBe(200);
  expect(sessionCookies(victim)).toHaveLength(1);
}

describe('the known-device rule on in-process counters (default knownDeviceMs: 30 days)', () => {
  it('after the victim logged in from A, an attacker from B locks B only — the victim from A still logs in', async () => {
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT });
    try {
      await knownDeviceScenario(t);
    } finally {
      await t.dispose();
    }
  });

  it('root cause probe: a 30-day entry in the in-process counter store survives a few milliseconds', async () => {
    const counters = createMemoryCounterStore();
    await counters.put('probe:30d', 1, 30 * 86_400_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Node clamps a setTimeout beyond 2^31-1 ms (~24.8 days) to 1 ms: the entry's cleanup timer fires at once.
    expect(await counters.peek('probe:30d')).toBeDefined();
  });

  it('same scenario with knownDeviceMs: 7 days', async () => {
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, lockout: { knownDeviceMs: 7 * 86_400_000 } });
    try {
      await knownDeviceScenario(t);
    } finally {
      await t.dispose();
    }
  });
});

describe('lockout on real Redis counters (server-side expiry: exactness and presence)', () => {
  let redis: TestRedisCounters;
  let t: TestApp;
  beforeAll(async () => {
    redis = await openTestRedisCounters();
    // The queue is lifted too: the 50-failure burst below races every one to its hash (hash-queue.attack.test.ts tests the bound).
    t = await createTestApp({
      rateLimits: NO_RATE_LIMIT,
      counters: redis.counters,
      lockout: { baseDelayMs: 60_000, maxDelayMs: 600_000 },
      password: { hashing: { maxQueue: 1_000 } },
    });
  });
  afterAll(async () => {
    await t?.dispose();
    await redis?.dispose();
  });

  it('3 failures lock the identity: the right password is refused with Retry-After, refusals are not counted', async () => {
    const user = await t.client().signUp();
    for (let i = 0; i < 3; i++) await expectInvalid(await jsonLogin(t, nextIp(), user.email, WRONG), `failure ${i + 1}`);
    const locked = await jsonLogin(t, nextIp(), user.email, PASSWORD);
    await expectLocked(locked.clone(), 'redis locked');
    const retry = Number(locked.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(retry).toBeLessThanOrEqual(60);
    for (let i = 0; i < 5; i++) await expectLocked(await jsonLogin(t, nextIp(), user.email, WRONG), `locked ${i}`);
    expect(await failuresOf(redis.counters, user)).toBe(3);
    const ghost = uniqueEmail('redis-ghost');
    for (let i = 0; i < 3; i++) await expectInvalid(await jsonLogin(t, nextIp(), ghost, WRONG), `ghost ${i + 1}`);
    await expectLocked(await jsonLogin(t, nextIp(), ghost, PASSWORD), 'unknown identity locked too');
  });

  it('50 concurrent failures: exactly the budget (3) is evaluated and counted, and the identity is locked', async () => {
    const user = await t.client().signUp();
    const sessions = await sessionCount(t, user.id);
    const all = await Promise.all(Array.from({ length: 50 }, () => jsonLogin(t, nextIp(), user.email, WRONG)));
    for (const res of all) expect([401, 429]).toContain(res.status);
    const admitted = all.filter((r) => r.status === 401).length;
    expect(admitted).toBe(3);
    expect(await failuresOf(redis.counters, user)).toBe(3);
    await expectLocked(await jsonLogin(t, nextIp(), user.email, PASSWORD), 'locked after the burst');
    expect(await sessionCount(t, user.id)).toBe(sessions);
  });

  it('the known-device rule holds on Redis', async () => {
    await knownDeviceScenario(t);
  });
});
