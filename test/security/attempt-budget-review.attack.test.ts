/**
 * @module Review of the attempt budget (wave 2): interleavings and side effects the first suite
 * does not cover. Each test states the rule it holds the code to (docs/security.md, "The attempt
 * budget") and fails while the bug is there.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryCounterStore, type CounterStore } from '../../src/index.ts';
import { createPasswordHasher, type PasswordHasher } from '../../src/features/passwords/index.ts';
import { lockoutDelayMs, reserveAttempt, type AttemptBudgetRule } from '../../src/features/lockout/index.ts';
import { PASSWORD, createTestApp, nextIp, uniqueUsername } from '../http/harness.ts';
import { basicHeader, jsonLogin, sessionAlive } from './attack-helpers.ts';

const WRONG = 'not the password at all';
const NO_RATE_LIMIT = { login: { count: 1_000_000, windowMs: 60_000 } };

describe('a remote attacker who locks the shared budget must not be able to kill the owner’s session', () => {
  // docs/security.md: "Lockout must not become a weapon" — yet /auth/verify and /auth/change-password
  // draw from the shared budget, and a *refusal* (no guess made by this session) revokes the session.
  it('/auth/verify with the RIGHT password, while a stranger has locked the account, keeps the owner’s session', async () => {
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters: createMemoryCounterStore() });
    try {
      const owner = t.client();
      const user = await owner.signUp({ username: uniqueUsername('owner') });
      const token = owner.sessionToken ?? '';
      // A stranger, anywhere on the Internet, with no cookie: three wrong passwords at the login form.
      for (let i = 0; i < 3; i++) await jsonLogin(t, nextIp(), user.email, WRONG);
      // The owner, on their own device and network, re-authenticates with the right password.
      const res = await owner.send('/auth/verify', { json: { password: PASSWORD }, csrf: owner.csrfToken ?? true });
      expect(res.status).toBe(429); // refused while locked: admitted by the docs
      // …but the owner made no guess: their session must survive.
      expect(await sessionAlive(t, token, owner.ip), 'owner session revoked by a stranger’s lockout').toBe(true);
    } finally {
      await t.dispose();
    }
  });

  it('/auth/change-password with the RIGHT current password, while a stranger has locked the account, keeps the owner’s session', async () => {
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters: createMemoryCounterStore() });
    try {
      const owner = t.client();
      const user = await owner.signUp({ username: uniqueUsername('owner') });
      const token = owner.sessionToken ?? '';
      for (let i = 0; i < 3; i++) await jsonLogin(t, nextIp(), user.email, WRONG);
      const res = await owner.send('/auth/change-password', {
        json: { password: PASSWORD, new_password: 'a brand new passphrase for me' },
        csrf: owner.csrfToken ?? true,
      });
      expect(res.status).toBe(429);
      expect(await sessionAlive(t, token, owner.ip), 'owner session revoked by a stranger’s lockout').toBe(true);
    } finally {
      await t.dispose();
    }
  });
  it('/auth/verify with the RIGHT password from an office NAT whose failure budget colleagues spent keeps the owner’s session', async () => {
    // The refusal here is the *client's* budget (AUTH_IP_FAILURE_BUDGET), shared by everyone behind
    // one address: other people's typos at the login form revoke the owner's session.
    const t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters: createMemoryCounterStore(), lockout: { ipFailureBudget: { count: 2, windowMs: 3_600_000 } } });
    try {
      const office = nextIp();
      const owner = t.client({ ip: office });
      await owner.signUp({ username: uniqueUsername('owner') });
      const token = owner.sessionToken ?? '';
      // Two colleagues behind the same NAT mistype their own (or unknown) e-mails.
      for (let i = 0; i < 2; i++) expect((await jsonLogin(t, office, `colleague${i}@example.com`, WRONG)).status).toBe(401);
      const res = await owner.send('/auth/verify', { json: { password: PASSWORD }, csrf: owner.csrfToken ?? true });
      expect(res.status).toBe(429);
      expect(await sessionAlive(t, token, office), 'owner session revoked because of other people’s failures').toBe(true);
    } finally {
      await t.dispose();
    }
  });
});

describe('HTTP Basic: a check that never ran must not spend the per-client login limit', () => {
  // docs/security.md: "a Basic request with the right password gives its unit back, so an API client
  // using Basic correctly is never throttled by its own successes", and requests refused by
  // AUTH_CLIENT_CHECKS_IN_FLIGHT are "counted nowhere". authenticateBasic keeps the login unit
  // whenever checkCredentials refuses (client_busy, locked, ip_budget).
  it('an honest API client (right password) bursting past its checks in flight is then throttled by the login limit', async () => {
    const real = createPasswordHasher();
    const slow = async <T>(work: () => Promise<T>): Promise<T> => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return work();
    };
    const hasher: PasswordHasher = {
      hashPassword: (password) => real.hashPassword(password),
      verifyPassword: (hash, password) => slow(() => real.verifyPassword(hash, password)),
      verifyAgainstDummy: (password) => slow(() => real.verifyAgainstDummy(password)),
      needsRehash: (hash) => real.needsRehash(hash),
    };
    const counters = createMemoryCounterStore();
    const t = await createTestApp({
      rateLimits: { login: { count: 5, windowMs: 60_000 } },
      counters,
      hasher,
      lockout: { clientChecksInFlight: 1 },
    });
    try {
      const api = t.client();
      const user = await api.signUp({ username: uniqueUsername('api') });
      const ip = nextIp();
      const me = () => t.request('/auth/me', { headers: { authorization: basicHeader(user.email, PASSWORD), accept: 'application/json' } }, ip);
      // Bursts of 3 with the right password: 1 runs, 2 are refused "busy" (never checked).
      const first = await Promise.all([me(), me(), me()]);
      expect(first.filter((res) => res.status === 200)).toHaveLength(1);
      expect(first.filter((res) => res.status === 429)).toHaveLength(2);
      for (let round = 0; round < 3; round++) await Promise.all([me(), me(), me()]);
      // Nothing was guessed and every check that ran succeeded, yet the refusals kept their units:
      expect((await counters.peek(`rl:login:${ip}`))?.count ?? 0, 'login units leaked by refusals that checked nothing').toBe(0);
      // …so the honest client is now throttled, one request at a time, with the right password.
      expect((await me()).status, 'a single correct Basic request after the bursts').toBe(200);
    } finally {
      await t.dispose();
    }
  });
});

describe('the lock length follows the curve of evaluated failures, not of racing refusals', () => {
  // docs/security.md: "When it fails, the account is locked for base · 2^(failures − threshold)".
  // reserveAttempt hits the failure counter before claiming the lock; a racer that hit first but
  // claims second is refused and releases its unit — but the winner keeps the larger attempt
  // number it read, and locks for it. Across processes (Redis) the claim order is arbitrary, so
  // N racers can turn the first lock (1 s) into 2^(N-1) s, up to 15 min, after 3 guesses.
  const rule: AttemptBudgetRule = {
    threshold: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 15 * 60_000,
    failureWindowMs: 24 * 3_600_000,
    knownDeviceMs: 30 * 24 * 3_600_000,
    ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 },
  };

  /** A counter store whose first lock claim waits until `release()` is called (a slower process). */
  function delayedFirstClaim(inner: CounterStore): { store: CounterStore; releaseFirst(): void; firstWaiting: Promise<void> } {
    let releaseFirst!: () => void;
    let signalWaiting!: () => void;
    const gate = new Promise<void>((resolve) => (releaseFirst = resolve));
    const firstWaiting = new Promise<void>((resolve) => (signalWaiting = resolve));
    let held = false;
    const store: CounterStore = {
      ...inner,
      async reserve(key, limit, windowMs) {
        if (key.startsWith('lo:l:') && !held) {
          held = true;
          signalWaiting();
          await gate;
        }
        return inner.reserve(key, limit, windowMs);
      },
    };
    return { store, releaseFirst, firstWaiting };
  }

  it('two racers at the threshold: one guess evaluated (3 failures) → the lock is 1 s, not 2 s', async () => {
    const inner = createMemoryCounterStore();
    const { store, releaseFirst, firstWaiting } = delayedFirstClaim(inner);
    const request = { subject: 'u:victim', clientBucket: '198.51.100.7', honourKnownDevice: true };
    // Two failures already evaluated and counted.
    for (let i = 0; i < 2; i++) {
      const a = await reserveAttempt(store, rule, request);
      if (!a.granted) throw new Error('expected a grant');
      expect((await a.failed()).lockedForMs).toBe(0);
    }
    // Racer A hits (attempt 3) and its claim is slow; racer B hits (attempt 4) and claims first.
    const racerA = reserveAttempt(store, rule, request);
    await firstWaiting;
    const b = await reserveAttempt(store, rule, request);
    releaseFirst();
    const a = await racerA;
    expect(a.granted, 'A is refused: B holds the claim').toBe(false);
    if (!b.granted) throw new Error('B should hold the claim');
    const evaluatedFailures = 3; // 2 before, and B's
    const { lockedForMs } = await b.failed();
    expect((await inner.peek('lo:f:any:u:victim'))?.count, 'failures counted').toBe(evaluatedFailures);
    expect(lockedForMs, 'lock for 3 evaluated failures').toBe(lockoutDelayMs(evaluatedFailures, rule));
  });
});

describe('a unit reserved in one counter’s life must not be given back to the next', () => {
  // CounterStore.release takes no token: a refused claimer releases the failure counter it hit, even
  // when that counter has since ended (24 h window) or been deleted (the owner's success) and a new
  // one started. The stale release then erases a *fresh* failure, and the fresh budget evaluates
  // more guesses before its first lock than the threshold.
  const rule: AttemptBudgetRule = {
    threshold: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 15 * 60_000,
    failureWindowMs: 24 * 3_600_000,
    knownDeviceMs: 30 * 24 * 3_600_000,
    ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 },
  };

  it('after the failure counter is renewed, stale releases from refused claimers buy extra evaluated guesses', async () => {
    const inner = createMemoryCounterStore();
    let releaseGate!: () => void;
    const gate = new Promise<void>((resolve) => (releaseGate = resolve));
    let claimsSeen = 0;
    let signalClaims!: () => void;
    const bothClaiming = new Promise<void>((resolve) => (signalClaims = resolve));
    // The claims of racers B and C are slow (another process, a slow link to Redis).
    const store: CounterStore = {
      ...inner,
      async reserve(key, limit, windowMs) {
        if (key.startsWith('lo:l:') && claimsSeen < 2) {
          claimsSeen += 1;
          if (claimsSeen === 2) signalClaims();
          await gate;
        }
        return inner.reserve(key, limit, windowMs);
      },
    };
    const request = { subject: 'u:victim', clientBucket: '203.0.113.9', honourKnownDevice: false };
    for (let i = 0; i < 2; i++) {
      const a = await reserveAttempt(store, rule, request);
      if (!a.granted) throw new Error('expected a grant');
      await a.failed();
    }
    // Racers at the threshold; their claims are in flight.
    const b = reserveAttempt(store, rule, request);
    const c = reserveAttempt(store, rule, request);
    await bothClaiming;
    // Meanwhile the counter's life ends: its 24 h window passes (or the owner signs in: succeeded()).
    await inner.delete('lo:f:any:u:victim');
    // A new life begins with one evaluated failure.
    const fresh = await reserveAttempt(store, rule, request);
    if (!fresh.granted) throw new Error('expected a grant');
    await fresh.failed();
    releaseGate();
    const [rb, rc] = await Promise.all([b, c]);
    // One of B/C won the (now free) claim; settle it as a failure.
    for (const r of [rb, rc]) if (r.granted) await r.failed();
    await inner.delete('lo:l:any:u:victim'); // the lock from the old life ends; only the new life counts now
    // How many more guesses does the new life grant before it claims a lock? It holds 1 failure, so 2.
    let evaluatedFree = 1; // `fresh`
    for (let i = 0; i < 10; i++) {
      const next = await reserveAttempt(store, rule, request);
      if (!next.granted) break;
      evaluatedFree += 1;
      const { lockedForMs } = await next.failed();
      if (lockedForMs > 0) break;
    }
    expect(evaluatedFree, 'guesses evaluated in the new life up to and including its first lock').toBeLessThanOrEqual(rule.threshold);
  });

  it('memory store: two concurrent releases of a counter at 1 never take it below zero', async () => {
    const counters = createMemoryCounterStore();
    const taken = await counters.reserve('k', 5, 60_000);
    await Promise.all([counters.release('k', taken), counters.release('k', taken)]);
    expect((await counters.peek('k'))?.count).toBe(0);
  });
});

describe('Redis lost: a lock already in force must keep holding', () => {
  // src/stores/redis/counter-store.ts: "When Redis is lost, every operation falls back to an
  // in-process limiter: limits keep holding per process — never failing open". The fallback starts
  // empty, so an account locked (for up to 15 min) in Redis gets a fresh budget of `threshold`
  // guesses in every process for as long as Redis is unreachable — and again at each outage.
  it('an account locked in Redis is not granted fresh guesses while Redis is unreachable', async () => {
    const { createServer, connect } = await import('node:net');
    const { createRedisCounterStore } = await import('../../src/stores/redis/counter-store.ts');
    const { TEST_REDIS_URL } = await import('../../src/testing/test-redis.ts');
    const upstream = new URL(TEST_REDIS_URL);
    const sockets = new Set<import('node:net').Socket>();
    let open = true;
    const proxy = createServer((down) => {
      if (!open) return down.destroy();
      const up = connect(Number(upstream.port || 6379), upstream.hostname);
      sockets.add(down).add(up);
      down.pipe(up).pipe(down);
      const end = () => {
        down.destroy();
        up.destroy();
      };
      down.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as import('node:net').AddressInfo).port;
    const counters = await createRedisCounterStore(`redis://127.0.0.1:${port}`, { keyPrefix: `pc_review_${Date.now()}` });
    const rule: AttemptBudgetRule = {
      threshold: 3,
      baseDelayMs: 15 * 60_000, // every lock is 15 min: plenty of time for the outage
      maxDelayMs: 15 * 60_000,
      failureWindowMs: 24 * 3_600_000,
      knownDeviceMs: 30 * 24 * 3_600_000,
      ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 },
    };
    const request = { subject: 'u:victim', clientBucket: '192.0.2.44', honourKnownDevice: false };
    try {
      for (let i = 0; i < 3; i++) {
        const a = await reserveAttempt(counters, rule, request);
        if (!a.granted) throw new Error('expected a grant');
        await a.failed();
      }
      expect((await reserveAttempt(counters, rule, request)).granted, 'locked while Redis is up').toBe(false);
      // Redis becomes unreachable (network partition, restart).
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      let granted = 0;
      for (let i = 0; i < 5; i++) {
        const a = await reserveAttempt(counters, rule, request);
        if (a.granted) {
          granted += 1;
          await a.failed();
        }
      }
      expect(granted, 'guesses granted at an account locked for 15 min, during the outage').toBe(0);
    } finally {
      open = false;
      await counters.close().catch(() => undefined);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
