/**
 * @module Attack suite — a flood of password guesses against a bounded hashing queue (threads 1,
 * ARGON2_MAX_QUEUE 2): the overflow is answered 503 BUSY + Retry-After before any hashing, the pool
 * never holds more than threads + maxQueue hashes, a refusal is no failed login (no lockout or
 * per-address counter moves, no login.failed event), and a real login right after succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore, type AuthEvent, type CounterStore } from '../../src/index.ts';
import { clientBucket } from '../../src/core/client-ip.ts';
import { lockoutKeys, lockoutScope, lockoutSubject } from '../../src/features/lockout/index.ts';
import { closeHashPools, createPasswordHasher, hashPoolLoad } from '../../src/features/passwords/index.ts';
import { identityKey } from '../../src/flows/credentials.ts';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, type TestApp } from '../http/harness.ts';
import { basicHeader, expectSecurityHeaders, jsonLogin, jsonOf, sessionCookies } from './attack-helpers.ts';

const BUSY = { error: 'Server busy. Try again shortly.', code: 'BUSY' } as const;
/** One thread and two waiting: at most three hashes admitted at once. A niceness of its own: its own pool. */
const HASHING = { threads: 1, niceness: 9, maxQueue: 2 } as const;
const POOL = { threads: HASHING.threads, niceness: HASHING.niceness };
const ADMITTED_AT_MOST = HASHING.threads + HASHING.maxQueue;
/** The per-address login limit is lifted so that the hashing queue, not a rate limit, is what answers. */
const NO_RATE_LIMIT = { login: { count: 1_000_000, windowMs: 60_000 }, register: { count: 1_000_000, windowMs: 60_000 } };
const WRONG = 'not the password at all';
const FLOOD = 120;

interface Attempt {
  readonly identity: string;
  readonly ip: string;
}

async function expectBusy(res: Response, label: string): Promise<void> {
  expect(res.status, label).toBe(503);
  expect(await jsonOf(res), label).toEqual(BUSY);
  expect(res.headers.get('retry-after'), `${label}: Retry-After`).toMatch(/^[1-9]\d*$/);
  expect(sessionCookies(res), label).toEqual([]);
  expectSecurityHeaders(res, label);
}

/**
 * Every counter a failed password check moves for this attempt: the account's (or unknown
 * identity's) failures and lock, the address's budget. A unit reserved and given back leaves a
 * counter at 0, which counts nothing: it reads as absent.
 */
async function countersOf(counters: CounterStore, { identity, ip }: Attempt): Promise<Array<number | undefined>> {
  const user = await t.stores.users.findUserByEmailKey(identityKey(identity));
  const scope = lockoutScope(user ? lockoutSubject.user(user.id) : lockoutSubject.unknownIdentity(identityKey(identity)), clientBucket(ip), false);
  const keys = [lockoutKeys.failures(scope), lockoutKeys.lock(scope), lockoutKeys.stuffing(clientBucket(ip))];
  return Promise.all(keys.map(async (key) => (await counters.peek(key))?.count || undefined));
}

let t: TestApp;
let counters: CounterStore;
const failedIdentities: string[] = [];

beforeAll(async () => {
  counters = createMemoryCounterStore();
  const recordFailures = (event: AuthEvent) => {
    if (event.type === 'login.failed') failedIdentities.push(event.identity);
  };
  t = await createTestApp({ rateLimits: NO_RATE_LIMIT, counters, password: { hashing: HASHING }, onEvent: recordFailures });
});
afterAll(async () => {
  await t?.dispose();
  await closeHashPools();
});

describe('a flood of guesses meets the bounded hashing queue', () => {
  it(`${FLOOD} concurrent Basic guesses from ${FLOOD} addresses: the overflow gets 503 BUSY at once, the pool never holds more than threads + maxQueue, refusals count nowhere, a real login right after succeeds`, async () => {
    const user = await t.client().signUp();
    // The unknown-identity dummy hash is made once, before the flood, as on a server that has been up a while.
    expect((await t.request('/auth/me', { headers: { authorization: basicHeader(uniqueEmail('warm-up'), WRONG), accept: 'application/json' } }, nextIp())).status).toBe(401);
    const failedBefore = failedIdentities.length;

    const attempts: Attempt[] = Array.from({ length: FLOOD }, () => ({ identity: uniqueEmail('flood'), ip: nextIp() }));
    const answers = await Promise.all(
      attempts.map((a) => t.request('/auth/me', { headers: { authorization: basicHeader(a.identity, WRONG), accept: 'application/json' } }, a.ip)),
    );

    const busy = attempts.filter((_, i) => answers[i]?.status === 503);
    const denied = attempts.filter((_, i) => answers[i]?.status === 401);
    expect(busy.length + denied.length, `statuses: ${answers.map((r) => r.status).join(' ')}`).toBe(FLOOD);
    expect(busy.length).toBeGreaterThan(0);
    expect(denied.length).toBeGreaterThanOrEqual(ADMITTED_AT_MOST);
    for (const [i, res] of answers.entries()) if (res.status === 503) await expectBusy(res, `guess ${i}`);

    // The pool's own count: never more hashes handed to it at once than it may hold, and every 503 is
    // one of its refusals (nothing before the flood was refused: it came one request at a time).
    expect(hashPoolLoad(POOL)).toEqual({ inFlight: 0, peakInFlight: expect.any(Number), refusedTotal: busy.length });
    expect(hashPoolLoad(POOL).peakInFlight).toBeLessThanOrEqual(ADMITTED_AT_MOST);

    // A refusal is not a guess: nothing counted for its identity or address, no failed login reported.
    for (const attempt of busy) expect(await countersOf(counters, attempt), attempt.identity).toEqual([undefined, undefined, undefined]);
    for (const attempt of denied) expect(await countersOf(counters, attempt), attempt.identity).toEqual([1, undefined, 1]);
    expect(failedIdentities.slice(failedBefore).sort()).toEqual(denied.map((a) => a.identity).sort());

    const login = await jsonLogin(t, nextIp(), user.email, PASSWORD);
    expect(login.status).toBe(200);
    expect(sessionCookies(login)).toHaveLength(1);
  });

  it('while the queue is full, every way of presenting a password answers BUSY and changes nothing; once it drains, the same requests work', async () => {
    const user = await t.client().signUp();
    const browser = t.client();
    const csrf = await browser.pageCsrf('/login');
    const ghost: Attempt = { identity: uniqueEmail('ghost'), ip: nextIp() };
    const wrong: Attempt = { identity: user.email, ip: nextIp() };
    const usersBefore = await t.userCount();
    const failedBefore = failedIdentities.length;

    // Another hasher on the same pool (same threads and niceness) with room to spare fills it: the app's
    // hasher, bounded at threads + maxQueue, then finds it full for as long as these run.
    const filler = createPasswordHasher(undefined, { ...POOL, maxQueue: 1_000 });
    const filling = Promise.all(Array.from({ length: 80 }, (_, i) => filler.hashPassword(`filler password ${i}`)));
    try {
      await expectBusy(await jsonLogin(t, ghost.ip, ghost.identity, WRONG), 'JSON login, unknown identity');
      await expectBusy(await jsonLogin(t, wrong.ip, wrong.identity, WRONG), 'JSON login, wrong password');
      await expectBusy(await jsonLogin(t, nextIp(), user.email, PASSWORD), 'JSON login, right password');
      await expectBusy(
        await t.request('/auth/me', { headers: { authorization: basicHeader(user.email, PASSWORD), accept: 'application/json' } }, nextIp()),
        'Basic, right password',
      );
      const register = await t.request(
        '/auth/register',
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ email: uniqueEmail('newcomer'), password: 'a long and unusual passphrase 42' }) },
        nextIp(),
      );
      await expectBusy(register, 'registration');
      const form = await browser.send('/auth/login', { form: { email: user.email, password: PASSWORD, csrf_token: csrf }, headers: { origin: 'http://localhost:3000' } });
      expect(form.status, 'form login').toBe(503);
      expect(form.headers.get('retry-after'), 'form login: Retry-After').toMatch(/^[1-9]\d*$/);
      expect(await form.text(), 'form login page').toContain('Server busy. Try again shortly.');
      expect(sessionCookies(form), 'form login').toEqual([]);
      expect(hashPoolLoad(POOL).inFlight, 'still full at the end').toBeGreaterThanOrEqual(ADMITTED_AT_MOST);
    } finally {
      await filling;
    }

    for (const attempt of [ghost, wrong]) expect(await countersOf(counters, attempt), attempt.identity).toEqual([undefined, undefined, undefined]);
    expect(failedIdentities.length).toBe(failedBefore);
    expect(await t.userCount()).toBe(usersBefore);

    // Drained: the very same requests are answered as usual.
    expect((await jsonLogin(t, ghost.ip, ghost.identity, WRONG)).status).toBe(401);
    expect(await countersOf(counters, ghost)).toEqual([1, undefined, 1]);
    expect((await jsonLogin(t, nextIp(), user.email, PASSWORD)).status).toBe(200);
  });
});
