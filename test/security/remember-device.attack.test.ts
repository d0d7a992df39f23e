/**
 * @module Attack suite — remembered devices (MFA_REMEMBER_DEVICE). A stolen mark is only "something
 * the victim's browser had": alone it opens nothing (no session, no pending sign-in, no route); with
 * wrong passwords it goes through the password budget like any guess — concurrently, from one
 * client and from many, at most the budget is evaluated and the mark is never used; and forgetting
 * a device races its use: once the forgetting has returned, the mark skips nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../src/features/passwords/index.ts';
import { DAY, PASSWORD, createTestApp, nextIp, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { enrolTotp, totpCode } from '../http/mfa-helpers.ts';
import { INVALID_CREDENTIALS, RATE_LIMITED, UNAUTHENTICATED, jsonOf, sessionCount } from './attack-helpers.ts';

const DEVICE_COOKIE = 'portcullis_device';
const WRONG = 'not the password at all';
const THRESHOLD = 3;

/** A real argon2id hasher that counts the passwords it is asked to verify: the guesses evaluated. */
function countingHasher(): PasswordHasher & { evaluated: number } {
  const real = createPasswordHasher();
  const counting = {
    evaluated: 0,
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
  /** The victim's browser after a two-step sign-in with `remember_device`: it holds the mark. */
  readonly browser: Client;
  readonly mark: string;
}

describe('remembered devices under attack', () => {
  let t: TestApp;
  let hasher: ReturnType<typeof countingHasher>;
  beforeAll(async () => {
    hasher = countingHasher();
    t = await createTestApp({
      mfa: { rememberDeviceMs: 30 * DAY },
      hasher,
      // The budget, not the per-IP rate limit, is what answers; the first lock outlasts a burst.
      rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } },
      lockout: { baseDelayMs: 5 * 60_000, ipFailureBudget: { count: 1_000_000, windowMs: 3_600_000 } },
    });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function newVictim(): Promise<Victim> {
    const owner = t.client();
    const user = await owner.signUp();
    const { secret } = await enrolTotp(t, owner);
    const browser = t.client();
    const first = await browser.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(first.body.mfa_required).toBe(true);
    const second = await browser.json('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(t, secret), remember_device: true } });
    expect(second.res.status).toBe(200);
    t.clock.advanceMs(30_000);
    await browser.logout();
    const mark = browser.jar.get(DEVICE_COOKIE);
    if (!mark) throw new Error('no mark was set');
    return { user, browser, mark };
  }

  /** An attacker's fresh browser at its own address holding only the stolen mark. */
  function thief(victim: Victim, ip = nextIp()): Client {
    const client = t.client({ ip });
    client.jar.set(DEVICE_COOKIE, victim.mark);
    return client;
  }

  async function lastUsed(victim: Victim): Promise<number | null | undefined> {
    return (await t.stores.devices.listDevicesOfUser(victim.user.id))[0]?.lastUsedAtMs;
  }

  /** After a forgetting has returned: sign-ins with the mark (one after another, so the budget's in-flight bound is not what answers) are asked for the factor. */
  async function expectMarkSkipsNothing(victim: Victim): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const again = victim.browser.clone({ ip: nextIp() });
      again.jar.delete('portcullis_session');
      const { res, body } = await again.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: victim.user.email, password: PASSWORD } });
      expect(res.status).toBe(200);
      expect(body.mfa_required).toBe(true);
      expect(await jsonOf(await again.send('/auth/me', { headers: { accept: 'application/json' } }))).toEqual(UNAUTHENTICATED);
    }
  }

  it('the mark alone opens nothing: no session, no pending sign-in, no guarded route, no second-factor route', async () => {
    const victim = await newVictim();
    const sessionsBefore = await sessionCount(t, victim.user.id);
    const usedBefore = await lastUsed(victim);
    const attacker = thief(victim);

    const me = await attacker.json('/auth/me');
    expect(me.res.status).toBe(401);
    expect(me.body).toEqual(UNAUTHENTICATED);
    const sessions = await attacker.json('/auth/sessions');
    expect(sessions.res.status).toBe(401);
    const dashboard = await attacker.send('/dashboard', { browser: true });
    expect(dashboard.status).toBe(302);
    // No pending sign-in: the second-factor route answers "start over", whatever code is sent.
    const verify = await attacker.json('/auth/mfa/verify', { json: { method: 'totp', code: '123456', remember_device: true } });
    expect(verify.res.status).toBe(401);
    expect(verify.body).toEqual(UNAUTHENTICATED);
    // A login without a password, or with an empty one, is bad input and spends nothing.
    const noPassword = await attacker.json('/auth/login', { json: { email: victim.user.email } });
    expect(noPassword.res.status).toBe(400);
    // As a bearer token or Basic credential the mark is nothing either.
    const asBearer = await t.request('/auth/me', { headers: { authorization: `Bearer ${victim.mark}`, accept: 'application/json' } }, nextIp());
    expect(asBearer.status).toBe(401);

    expect(attacker.jar.has('portcullis_session')).toBe(false);
    expect(await sessionCount(t, victim.user.id)).toBe(sessionsBefore);
    expect(await lastUsed(victim)).toBe(usedBefore);
  });

  for (const spread of ['from one client', 'from 60 clients'] as const) {
    it(`a stolen mark + 60 concurrent wrong passwords ${spread}: at most ${THRESHOLD} evaluated, all refused, the mark never used, no session`, async () => {
      const victim = await newVictim();
      const sessionsBefore = await sessionCount(t, victim.user.id);
      const usedBefore = await lastUsed(victim);
      const oneIp = nextIp();
      const attackers = Array.from({ length: 60 }, () => thief(victim, spread === 'from one client' ? oneIp : nextIp()));
      hasher.evaluated = 0;
      const answers = await Promise.all(attackers.map((a) => a.json('/auth/login', { json: { email: victim.user.email, password: WRONG } })));
      expect(hasher.evaluated).toBeGreaterThanOrEqual(1);
      expect(hasher.evaluated).toBeLessThanOrEqual(THRESHOLD);
      for (const { res, body } of answers) {
        expect([401, 429]).toContain(res.status);
        expect(body).toEqual(res.status === 401 ? INVALID_CREDENTIALS : RATE_LIMITED);
      }
      expect(answers.filter(({ res }) => res.status === 429).length).toBeGreaterThanOrEqual(60 - THRESHOLD);
      // The right password from the thief's address is locked out too: the mark buys no way around the budget.
      hasher.evaluated = 0;
      const right = await attackers[0]!.json('/auth/login', { json: { email: victim.user.email, password: PASSWORD } });
      expect(right.res.status).toBe(429);
      expect(hasher.evaluated).toBe(0);
      expect(attackers.some((a) => a.jar.has('portcullis_session') || a.jar.has('portcullis_mfa'))).toBe(false);
      expect(await sessionCount(t, victim.user.id)).toBe(sessionsBefore);
      expect(await lastUsed(victim)).toBe(usedBefore);
    });
  }

  it('forgetting a device races 30 sign-ins with its mark: each answer is whole (a session or the second-factor step), and after the forgetting none skips', async () => {
    const victim = await newVictim();
    const [device] = await t.stores.devices.listDevicesOfUser(victim.user.id);
    // The owner's browser (signed in with its mark, fresh) forgets the device while the mark is in use.
    const keeper = victim.browser.clone({ ip: nextIp() });
    expect((await keeper.login({ email: victim.user.email })).res.status).toBe(200);

    const racers = Array.from({ length: 30 }, () => victim.browser.clone({ ip: nextIp() }));
    for (const racer of racers) racer.jar.delete('portcullis_session');
    const signIns = racers.map((racer) => racer.json<{ mfa_required?: boolean; user?: PublicUserBody }>('/auth/login', { json: { email: victim.user.email, password: PASSWORD } }));
    const forgetting = keeper.send(`/auth/devices/${device?.id}`, { method: 'DELETE', csrf: true });
    const [answers, forgotten] = await Promise.all([Promise.all(signIns), forgetting]);
    expect(forgotten.status).toBe(204);
    // Right passwords in flight at once are bounded by the attempt budget too (429, nothing made).
    for (const { res, body } of answers) {
      expect([200, 429]).toContain(res.status);
      if (res.status === 429) expect(body).toEqual(RATE_LIMITED);
      else if (body.mfa_required) expect(body.user).toBeUndefined();
      else expect(body.user?.id).toBe(victim.user.id);
    }
    expect(answers.some(({ res }) => res.status === 200)).toBe(true);
    expect(await t.stores.devices.listDevicesOfUser(victim.user.id)).toEqual([]);
    await expectMarkSkipsNothing(victim);
  });

  it('"sign out everywhere else" races sign-ins with the mark: afterwards the mark skips nothing', async () => {
    const victim = await newVictim();
    const keeper = victim.browser.clone({ ip: nextIp() });
    expect((await keeper.login({ email: victim.user.email })).res.status).toBe(200);
    const racers = Array.from({ length: 30 }, () => {
      const racer = victim.browser.clone({ ip: nextIp() });
      racer.jar.delete('portcullis_session');
      return racer.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: victim.user.email, password: PASSWORD } });
    });
    const revoke = keeper.json('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true });
    const [answers, revoked] = await Promise.all([Promise.all(racers), revoke]);
    expect(revoked.res.status).toBe(200);
    for (const { res } of answers) expect([200, 429]).toContain(res.status);
    expect(await t.stores.devices.listDevicesOfUser(victim.user.id)).toEqual([]);
    await expectMarkSkipsNothing(victim);
  });
});
