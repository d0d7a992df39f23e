/**
 * @module Attack suite — the attempt budget under concurrency. N concurrent guesses (60 and 1,000)
 * at one account through every door that checks a password (JSON login, form login, /auth/token,
 * HTTP Basic, /auth/verify, /auth/change-password), from N addresses and from one address, on
 * in-process and on Redis counters: the number of passwords actually hashed never exceeds the
 * budget, and nothing else changed (no session, no token, the same password hash). Also: one
 * client's failure budget across identities, the per-client login limit for Basic, the e-mail and
 * the username sharing one budget, a stolen cookie losing its session, and reset links.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore, type CounterStore } from '../../src/index.ts';
import { createPasswordHasher, type PasswordHasher } from '../../src/features/passwords/index.ts';
import { openTestRedisCounters, type TestRedisCounters } from '../../src/testing/test-redis.ts';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, uniqueUsername, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { RATE_LIMITED, basicHeader, jsonLogin, jsonOf, sessionAlive, sessionCount } from './attack-helpers.ts';

const WRONG = 'not the password at all';
const THRESHOLD = 3;
/** The login limit is lifted so that the attempt budget, not the per-IP rate limit, is what answers. */
const NO_RATE_LIMIT = { login: { count: 1_000_000, windowMs: 60_000 } };

/** A real argon2id hasher that counts what it is asked to verify: the guesses actually evaluated. */
function countingHasher(): PasswordHasher & { evaluated: number; reset(): void } {
  const real = createPasswordHasher();
  const counting = {
    evaluated: 0,
    reset() {
      counting.evaluated = 0;
    },
    hashPassword: (password: string) => real.hashPassword(password),
    async verifyPassword(hash: string, password: string) {
      counting.evaluated += 1;
      return real.verifyPassword(hash, password);
    },
    async verifyAgainstDummy(password: string) {
      counting.evaluated += 1;
      return real.verifyAgainstDummy(password);
    },
    needsRehash: (hash: string) => real.needsRehash(hash),
  };
  return counting;
}

interface Victim {
  readonly user: PublicUserBody;
  /** The victim's own browser, signed in (its cookie is what an attacker steals). */
  readonly browser: Client;
  readonly passwordHash: string;
  readonly sessions: number;
}

type Door = {
  readonly name: string;
  /** Prepares one attacker (a stolen cookie, a CSRF token: whatever the door needs), then guesses. */
  prepare(t: TestApp, victim: Victim, ip: string): Promise<() => Promise<Response>>;
};

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });

const DOORS: readonly Door[] = [
  { name: 'JSON login', prepare: async (t, v, ip) => () => jsonLogin(t, ip, v.user.email, WRONG) },
  {
    name: 'form login',
    async prepare(t, v, ip) {
      const browser = t.client({ ip });
      const csrf = await browser.pageCsrf('/login');
      return () => browser.postForm('/auth/login', { email: v.user.email, password: WRONG, csrf_token: csrf });
    },
  },
  { name: '/auth/token', prepare: async (t, v, ip) => () => t.request('/auth/token', json({ email: v.user.email, password: WRONG }), ip) },
  {
    name: 'HTTP Basic',
    prepare: async (t, v, ip) => () => t.request('/auth/me', { headers: { authorization: basicHeader(v.user.email, WRONG), accept: 'application/json' } }, ip),
  },
  {
    name: '/auth/verify (stolen cookie)',
    async prepare(_t, v, ip) {
      const thief = v.browser.clone({ ip });
      return () => thief.send('/auth/verify', { json: { password: WRONG }, csrf: v.browser.csrfToken ?? true });
    },
  },
  {
    // From another network the cookie is no longer fresh (session protection) and nothing is
    // hashed; the dangerous case is a thief on the victim's own network, so every guess comes from it.
    name: '/auth/change-password (stolen fresh cookie, on the victim’s network)',
    async prepare(_t, v) {
      const thief = v.browser.clone();
      return () => thief.send('/auth/change-password', { json: { password: WRONG, new_password: 'an attacker chose this one' }, csrf: v.browser.csrfToken ?? true });
    },
  },
];

async function newVictim(t: TestApp): Promise<Victim> {
  const browser = t.client();
  const user = await browser.signUp({ username: uniqueUsername('victim') });
  const record = await t.stores.users.findUserById(user.id);
  if (!record) throw new Error('the victim was not stored');
  return { user, browser, passwordHash: record.passwordHash, sessions: await sessionCount(t, user.id) };
}

/** Nothing an attacker wanted happened: the same password hash, no new session, no token family. */
async function expectUntouched(t: TestApp, victim: Victim, label: string): Promise<void> {
  expect((await t.stores.users.findUserById(victim.user.id))?.passwordHash, `${label}: password hash`).toBe(victim.passwordHash);
  expect(await sessionCount(t, victim.user.id), `${label}: sessions`).toBeLessThanOrEqual(victim.sessions);
}

/**
 * What each burst evaluated, written to test-results/ for the record (the closing figures of the
 * issue: evaluated guesses / budget, per door and backend). The assertions above are the test.
 */
const figures: Array<{ backend: string; door: string; n: number; spread: string; evaluated: number; budget: number }> = [];
afterAll(async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir('test-results', { recursive: true });
  const database = process.env.PORTCULLIS_TEST_DB ?? 'sqlite';
  await writeFile(`test-results/attempt-budget-${database}.json`, `${JSON.stringify(figures, null, 2)}\n`);
});

function budgetSuite(backend: string, openCounters: () => Promise<{ counters: CounterStore; dispose(): Promise<void> }>): void {
  describe(`the attempt budget under concurrency (${backend} counters)`, () => {
    let t: TestApp;
    let hasher: ReturnType<typeof countingHasher>;
    let disposeCounters: () => Promise<void>;

    beforeAll(async () => {
      const opened = await openCounters();
      disposeCounters = opened.dispose;
      hasher = countingHasher();
      // The first lock lasts 5 minutes, not 1 s: a burst of 1,000 on a busy machine can outlast a
      // 1 s lock, and the guess after it is one the budget rightly allows; here none may be.
      t = await createTestApp({
        rateLimits: NO_RATE_LIMIT,
        counters: opened.counters,
        hasher,
        lockout: { baseDelayMs: 5 * 60_000, ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 } },
      });
    });
    afterAll(async () => {
      await t?.dispose();
      await disposeCounters?.();
    });

    for (const n of [60, 1000]) {
      for (const door of DOORS) {
        for (const spread of ['from N addresses', 'from one address'] as const) {
          it(`${door.name}: ${n} concurrent wrong passwords ${spread} → at most ${THRESHOLD} evaluated, nothing changed`, async () => {
            const victim = await newVictim(t);
            const oneIp = nextIp();
            const guesses = [];
            for (let i = 0; i < n; i++) guesses.push(await door.prepare(t, victim, spread === 'from one address' ? oneIp : nextIp()));
            hasher.reset();
            const answers = await Promise.all(guesses.map((guess) => guess()));
            const evaluated = hasher.evaluated;
            figures.push({ backend, door: door.name, n, spread, evaluated, budget: THRESHOLD });
            expect(evaluated, `${door.name}: evaluated guesses`).toBeGreaterThanOrEqual(1);
            expect(evaluated, `${door.name}: evaluated guesses`).toBeLessThanOrEqual(THRESHOLD);
            for (const res of answers) expect([400, 401, 403, 429, 303], `${door.name}: status`).toContain(res.status);
            // Every answer but the evaluated few is a refusal (429) — or, once a guessing cookie has
            // lost its session, "not signed in" (401 UNAUTHENTICATED).
            const codes = await Promise.all(answers.map(async (res) => (res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { code?: string }).code : undefined)));
            const notEvaluated = answers.filter((res, i) => res.status === 429 || codes[i] === 'UNAUTHENTICATED');
            expect(notEvaluated.length, `${door.name}: refusals`).toBeGreaterThanOrEqual(n - THRESHOLD);
            await expectUntouched(t, victim, door.name);
          });
        }
      }
    }

    it('the right password is refused while the budget is spent, without hashing; the e-mail and the username share the budget', async () => {
      const victim = await newVictim(t);
      const username = victim.user.username ?? '';
      await Promise.all([
        ...Array.from({ length: 30 }, () => jsonLogin(t, nextIp(), victim.user.email, WRONG)),
        ...Array.from({ length: 30 }, () => t.request('/auth/login', json({ username, password: WRONG }), nextIp())),
      ]);
      hasher.reset();
      const byEmail = await jsonLogin(t, nextIp(), victim.user.email, PASSWORD);
      const byName = await t.request('/auth/login', json({ username, password: PASSWORD }), nextIp());
      for (const res of [byEmail, byName]) {
        expect(res.status).toBe(429);
        expect(await jsonOf(res)).toEqual(RATE_LIMITED);
      }
      expect(hasher.evaluated).toBe(0);
      await expectUntouched(t, victim, 'locked account');
    });

    it('sequentially too: e-mail, username and e-mail again are one budget of 3', async () => {
      const victim = await newVictim(t);
      const username = victim.user.username ?? '';
      expect((await jsonLogin(t, nextIp(), victim.user.email, WRONG)).status).toBe(401);
      expect((await t.request('/auth/login', json({ username, password: WRONG }), nextIp())).status).toBe(401);
      expect((await jsonLogin(t, nextIp(), victim.user.email.toUpperCase(), WRONG)).status).toBe(401);
      expect((await t.request('/auth/login', json({ username, password: PASSWORD }), nextIp())).status).toBe(429);
    });

    it('a stolen stale cookie guessing at /auth/verify loses its session once the budget is spent', async () => {
      const victim = await newVictim(t);
      const thief = victim.browser.clone({ ip: nextIp() });
      const token = thief.sessionToken ?? '';
      for (let i = 0; i < THRESHOLD - 1; i++) expect((await thief.send('/auth/verify', { json: { password: WRONG }, csrf: victim.browser.csrfToken ?? true })).status).toBe(401);
      expect(await sessionAlive(t, token, thief.ip)).toBe(true);
      const spent = await thief.send('/auth/verify', { json: { password: WRONG }, csrf: victim.browser.csrfToken ?? true });
      expect(spent.status).toBe(429);
      expect(await jsonOf(spent)).toEqual(RATE_LIMITED);
      expect(await sessionAlive(t, token, thief.ip)).toBe(false);
      // Even the right password cannot bring the session back.
      const after = await thief.send('/auth/verify', { json: { password: PASSWORD }, csrf: victim.browser.csrfToken ?? true });
      expect([401, 403]).toContain(after.status);
      expect(await sessionAlive(t, token, thief.ip)).toBe(false);
    });

    it('one client spraying 1,000 identities at once is evaluated at most its failure budget', async () => {
      const budget = 7;
      const sprayApp = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters: createMemoryCounterStore(), hasher, lockout: { ipFailureBudget: { count: budget, windowMs: 3_600_000 } } });
      try {
        const ip = nextIp();
        hasher.reset();
        const answers = await Promise.all(Array.from({ length: 1000 }, () => jsonLogin(sprayApp, ip, uniqueEmail('spray'), 'Summer2024!')));
        expect(hasher.evaluated).toBeLessThanOrEqual(budget);
        expect(answers.filter((res) => res.status === 401).length).toBe(hasher.evaluated);
        expect(answers.filter((res) => res.status === 429).length).toBe(1000 - hasher.evaluated);
      } finally {
        await sprayApp.dispose();
      }
    });
  });
}

budgetSuite('in-process', async () => {
  const counters = createMemoryCounterStore();
  return { counters, dispose: () => counters.close() };
});

let redis: TestRedisCounters | undefined;
budgetSuite('Redis', async () => {
  redis = await openTestRedisCounters();
  return { counters: redis.counters, dispose: () => redis?.dispose() ?? Promise.resolve() };
});

describe('HTTP Basic counts against the per-client login limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimits: { login: { count: 5, windowMs: 60_000 } }, counters: createMemoryCounterStore() });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('40 concurrent Basic guesses from one address at 40 identities: at most 5 are evaluated, the rest 429', async () => {
    const ip = nextIp();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => t.request('/auth/me', { headers: { authorization: basicHeader(uniqueEmail('basic'), WRONG), accept: 'application/json' } }, ip)),
    );
    expect(answers.filter((res) => res.status === 401).length).toBe(5);
    const refused = answers.filter((res) => res.status === 429);
    expect(refused).toHaveLength(35);
    expect(await jsonOf(refused[0]!)).toEqual(RATE_LIMITED);
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // The login form from the same address shares the spent limit.
    expect((await jsonLogin(t, ip, uniqueEmail('form'), WRONG)).status).toBe(429);
  });

  it('a client using Basic with the right password is not throttled by its own successes', async () => {
    const user = await t.client().signUp();
    const ip = nextIp();
    for (let i = 0; i < 12; i++) {
      const res = await t.request('/auth/me', { headers: { authorization: basicHeader(user.email, PASSWORD), accept: 'application/json' } }, ip);
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
  });
});

describe('checks in flight per client (AUTH_CLIENT_CHECKS_IN_FLIGHT)', () => {
  it('one address with 40 slow checks at once holds at most its 2 slots; the rest 429 at once, counted nowhere', async () => {
    const real = createPasswordHasher();
    let inFlight = 0;
    let peak = 0;
    let started = 0;
    const slow = async <T>(work: () => Promise<T>): Promise<T> => {
      started += 1;
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await work();
      } finally {
        inFlight -= 1;
      }
    };
    const hasher: PasswordHasher = {
      hashPassword: (password) => real.hashPassword(password),
      verifyPassword: (hash, password) => slow(() => real.verifyPassword(hash, password)),
      verifyAgainstDummy: (password) => slow(() => real.verifyAgainstDummy(password)),
      needsRehash: (hash) => real.needsRehash(hash),
    };
    const counters = createMemoryCounterStore();
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters, hasher, lockout: { clientChecksInFlight: 2, ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 } } });
    try {
      const ip = nextIp();
      const answers = await Promise.all(Array.from({ length: 40 }, () => jsonLogin(t, ip, uniqueEmail('busy'), WRONG)));
      expect(peak).toBe(2);
      const refused = answers.filter((res) => res.status === 429);
      expect(answers.filter((res) => res.status === 401)).toHaveLength(started);
      expect(refused).toHaveLength(40 - started);
      expect(refused.length).toBeGreaterThanOrEqual(30);
      expect(await jsonOf(refused[0]!)).toEqual(RATE_LIMITED);
      expect(refused[0]!.headers.get('retry-after')).toBe('1');
      // Another address is not held up by this one's share.
      started = 0;
      expect((await jsonLogin(t, nextIp(), uniqueEmail('other'), WRONG)).status).toBe(401);
      expect(started).toBe(1);
    } finally {
      await t.dispose();
    }
  });
});

describe('reset links are guessed against the client’s failure budget', () => {
  it('1,000 concurrent forged links from one client: at most its budget are looked up, the rest 429', async () => {
    const budget = 5;
    const t = await createTestApp({
      rateLimits: { reset: { count: 1_000_000, windowMs: 3_600_000 } },
      counters: createMemoryCounterStore(),
      lockout: { ipFailureBudget: { count: budget, windowMs: 3_600_000 } },
    });
    try {
      const ip = nextIp();
      let lookups = 0;
      const find = t.stores.tokens.findResetToken.bind(t.stores.tokens);
      t.stores.tokens.findResetToken = async (hash) => {
        lookups += 1;
        return find(hash);
      };
      const forged = () => `pcrs_${randomBytes(32).toString('base64url')}`;
      const answers = await Promise.all(
        Array.from({ length: 1000 }, () => t.request('/auth/reset-password', json({ token: forged(), new_password: 'a brand new passphrase' }), ip)),
      );
      expect(lookups).toBeLessThanOrEqual(budget);
      expect(answers.filter((res) => res.status === 400).length).toBe(lookups);
      expect(answers.filter((res) => res.status === 429).length).toBe(1000 - lookups);
    } finally {
      await t.dispose();
    }
  });
});
