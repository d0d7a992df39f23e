/**
 * @module Attack suite — multi-factor sign-in. The pending state (password right, second factor
 * due) reaches no guard and no route but the second-factor one; TOTP codes are good once per step
 * (replays refused, also when raced); a recovery code raced 20× signs in once; 1,000 concurrent
 * guesses evaluate at most the budget; the MFA budget and the password budget are separate (spending
 * one locks nothing of the other); the pending state dies with its budget, its single use, its TTL
 * and a password change. Each refusal is checked with "nothing changed": no session was made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { PASSWORD, SESSION_COOKIE, createTestApp, sha256Hex, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { enrolTotp, pendingSignIn, totpCode, type EnrolledTotp } from '../http/mfa-helpers.ts';
import { sessionCount } from './attack-helpers.ts';

const PENDING_COOKIE = 'portcullis_mfa';
/** The per-client login limit is lifted so that the MFA budgets, not the route's rate limit, answer. */
const NO_RATE_LIMIT = { rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } } };

interface Enrolled extends EnrolledTotp {
  readonly user: PublicUserBody;
  readonly owner: Client;
}

async function enrolledUser(t: TestApp): Promise<Enrolled> {
  const owner = t.client();
  const user = await owner.signUp();
  const totp = await enrolTotp(t, owner);
  return { user, owner, ...totp };
}

/** Sessions of the user besides the owner's own (which enrolled). */
const newSessions = async (t: TestApp, e: Enrolled) => (await sessionCount(t, e.user.id)) - 1;

/** Pending sign-ins made one after another (concurrent password checks of one account are themselves budgeted). */
async function pendings(t: TestApp, email: string, count: number): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < count; i++) out.push(await pendingSignIn(t, email));
  return out;
}

const failures = async (t: TestApp, userId: string, reason?: string) => {
  await t.auth.flush();
  const { records } = await t.stores.audit.listAuditRecords({ event: 'mfa.failed', userId, offset: 0, limit: 5000 });
  return records.filter((r) => reason === undefined || r.reason === reason).length;
};

describe('MFA attacks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMIT);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the pending state is refused by every guard and route but the second-factor one', async () => {
    const e = await enrolledUser(t);
    const client = await pendingSignIn(t, e.user.email);
    const csrf = await client.fetchCsrf();
    const probes: Array<[string, RequestInit & { csrf?: boolean }]> = [
      ['/auth/me', {}],
      ['/auth/sessions', {}],
      ['/auth/mfa', {}],
      ['/auth/api-tokens', {}],
      ['/auth/mfa/totp/setup', { method: 'POST', body: '{}' }],
      ['/auth/mfa/recovery-codes', { method: 'POST', body: '{}' }],
      ['/auth/mfa/totp', { method: 'DELETE' }],
      ['/auth/verify', { method: 'POST', body: JSON.stringify({ password: PASSWORD }) }],
      ['/auth/change-password', { method: 'POST', body: JSON.stringify({ password: PASSWORD, new_password: 'an entirely new passphrase 42' }) }],
      ['/auth/api-tokens', { method: 'POST', body: JSON.stringify({ name: 'x' }) }],
      ['/auth/sessions/revoke-others', { method: 'POST', body: '{}' }],
      ['/dashboard', {}],
      ['/account', {}],
      ['/account/password', {}],
      ['/admin', {}],
      ['/api/docs', {}],
    ];
    for (const [path, init] of probes) {
      const res = await client.send(path, {
        method: init.method ?? 'GET',
        headers: { 'x-csrf-token': csrf, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: init.body as string } : {}),
      });
      expect([401, 302], `${init.method ?? 'GET'} ${path}`).toContain(res.status);
      if (res.status === 302) expect(res.headers.get('location'), path).toMatch(/^\/login\?next=/);
    }
    // The pending cookie's value in the session cookie's place is no session either.
    const forged = t.client();
    forged.jar.set(SESSION_COOKIE, client.jar.get(PENDING_COOKIE) ?? '');
    expect((await forged.me()).res.status).toBe(401);
    // Nothing changed: no session, the password and factors as they were.
    expect(await newSessions(t, e)).toBe(0);
    expect((await e.owner.json('/auth/mfa')).body).toEqual({ totp: true, passkeys: [], recovery_codes_left: 10 });
  });

  it('TOTP replay: a code that signed in once is refused afterwards, and of 20 racing uses exactly one signs in', async () => {
    const e = await enrolledUser(t);
    const code = totpCode(t, e.secret);
    const first = await pendingSignIn(t, e.user.email);
    expect((await first.json('/auth/mfa/verify', { json: { code } })).res.status).toBe(200);
    const replay = await pendingSignIn(t, e.user.email);
    const refused = await replay.json('/auth/mfa/verify', { json: { code } });
    expect(refused.res.status).toBe(401);
    expect(refused.body.code).toBe('INVALID_CREDENTIALS');
    expect(replay.jar.has(SESSION_COOKIE)).toBe(false);
    expect(await failures(t, e.user.id, 'replayed')).toBe(1);
    expect(await newSessions(t, e)).toBe(1);

    // The previous step's code is older than the one used: refused too.
    expect((await (await pendingSignIn(t, e.user.email)).json('/auth/mfa/verify', { json: { code: totpCode(t, e.secret, -1) } })).res.status).toBe(401);

    t.clock.advanceMs(30_000);
    const racers = await pendings(t, e.user.email, 20);
    const next = totpCode(t, e.secret);
    const results = await Promise.all(racers.map((c) => c.json('/auth/mfa/verify', { json: { code: next } })));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(1);
    // The rest: refused as a replay (401), or — the account's MFA budget spent by those failures — 429.
    expect(results.filter((r) => r.res.status === 401 || r.res.status === 429)).toHaveLength(19);
    expect(await newSessions(t, e)).toBe(2);
  });

  it('a recovery code raced 20× signs in exactly once and is then spent', async () => {
    const e = await enrolledUser(t);
    const code = e.recoveryCodes[3]!;
    const racers = await pendings(t, e.user.email, 20);
    const results = await Promise.all(racers.map((c) => c.json('/auth/mfa/verify', { json: { method: 'recovery_code', code } })));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(1);
    expect(await newSessions(t, e)).toBe(1);
    expect(await t.stores.mfa.countRecoveryCodes(e.user.id)).toBe(9);
  });

  it('1,000 concurrent code guesses on one pending sign-in: at most its budget is evaluated, then it is dead', async () => {
    const e = await enrolledUser(t);
    const client = await pendingSignIn(t, e.user.email);
    const right = totpCode(t, e.secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const guesses = await Promise.all(Array.from({ length: 1000 }, () => client.clone().json('/auth/mfa/verify', { json: { code: wrong } })));
    const evaluated = await failures(t, e.user.id, 'wrong_code');
    expect(evaluated).toBeLessThanOrEqual(t.auth.config.mfa.attemptsPerSignIn);
    expect(evaluated).toBeGreaterThan(0);
    expect(guesses.filter((g) => g.res.status === 200)).toHaveLength(0);
    // Its budget spent, the pending sign-in is dead — even the right code no longer helps.
    const late = await client.json('/auth/mfa/verify', { json: { code: right } });
    expect(late.res.status).toBe(401);
    expect(late.body.code).toBe('UNAUTHENTICATED');
    expect(client.jar.has(PENDING_COOKIE)).toBe(false);
    expect(await newSessions(t, e)).toBe(0);
  });

  it('1,000 concurrent guesses across many pending sign-ins: at most the account budget is evaluated; then 429', async () => {
    const e = await enrolledUser(t);
    const waiting = await pendings(t, e.user.email, 40);
    const right = totpCode(t, e.secret);
    const wrong = String((Number(right) + 7) % 1_000_000).padStart(6, '0');
    const guesses = await Promise.all(Array.from({ length: 1000 }, (_, i) => waiting[i % 40]!.clone().json('/auth/mfa/verify', { json: { code: wrong } })));
    expect(await failures(t, e.user.id, 'wrong_code')).toBeLessThanOrEqual(t.auth.config.mfa.attemptBudget.count);
    expect(guesses.filter((g) => g.res.status === 200)).toHaveLength(0);
    const blocked = await (await pendingSignIn(t, e.user.email)).json('/auth/mfa/verify', { json: { code: right } });
    expect(blocked.res.status).toBe(429);
    expect(blocked.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await newSessions(t, e)).toBe(0);
  });

  it('the budgets are separate: a spent MFA budget locks no password login, a locked password no pending second step', async () => {
    const e = await enrolledUser(t);
    const ip = '198.51.100.77';
    // Spend the account's MFA budget.
    for (let i = 0; i < t.auth.config.mfa.attemptBudget.count; i++) {
      const p = await pendingSignIn(t, e.user.email, { ip });
      await p.json('/auth/mfa/verify', { json: { code: '000000' } });
    }
    // The password still works from the same address (the answer is the second step, not 429).
    const still = t.client({ ip });
    const login = await still.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: e.user.email, password: PASSWORD } });
    expect(login.res.status).toBe(200);
    expect(login.body.mfa_required).toBe(true);

    const other = await enrolledUser(t);
    const waiting = await pendingSignIn(t, other.user.email);
    // Someone locks the account's password budget...
    for (let i = 0; i < 6; i++) await t.client().json('/auth/login', { json: { email: other.user.email, password: 'wrong wrong wrong' } });
    expect((await t.client().json('/auth/login', { json: { email: other.user.email, password: PASSWORD } })).res.status).toBe(429);
    // ...and the sign-in that already proved the password finishes with its code.
    expect((await waiting.json('/auth/mfa/verify', { json: { code: totpCode(t, other.secret) } })).res.status).toBe(200);
  });

  it('a pending sign-in is single use: its cookie replayed after success makes no second session', async () => {
    const e = await enrolledUser(t);
    const client = await pendingSignIn(t, e.user.email);
    const copy = client.clone();
    expect((await client.json('/auth/mfa/verify', { json: { method: 'recovery_code', code: e.recoveryCodes[0] } })).res.status).toBe(200);
    const replay = await copy.json('/auth/mfa/verify', { json: { method: 'recovery_code', code: e.recoveryCodes[1] } });
    expect(replay.res.status).toBe(401);
    expect(replay.body.code).toBe('UNAUTHENTICATED');
    expect(await newSessions(t, e)).toBe(1);
  });

  it('a pending sign-in dies at its TTL, with a password change, and when forged', async () => {
    const e = await enrolledUser(t);
    const late = await pendingSignIn(t, e.user.email);
    t.clock.advanceMs(t.auth.config.mfa.pendingTtlMs);
    expect((await late.json('/auth/mfa/verify', { json: { code: totpCode(t, e.secret) } })).res.status).toBe(401);

    const before = await pendingSignIn(t, e.user.email);
    await t.auth.admin.setPassword(e.user.id, 'a brand new passphrase for ann', { ip: '127.0.0.1', userAgent: 'test', secure: false });
    expect((await before.json('/auth/mfa/verify', { json: { code: totpCode(t, e.secret) } })).res.status).toBe(401);

    const forged = t.client();
    const token = before.jar.get(PENDING_COOKIE) ?? 'x.y';
    forged.jar.set(PENDING_COOKIE, `${token.split('.')[0]}.${'A'.repeat(43)}`);
    expect((await forged.json('/auth/mfa/verify', { json: { code: totpCode(t, e.secret) } })).res.status).toBe(401);
    expect(await newSessions(t, e)).toBe(-1); // the password change ended the owner's session too
  });

  it('a stolen session guessing step-up codes (1,000 at once at /auth/verify) gets at most the account budget evaluated and is not raised', async () => {
    const e = await enrolledUser(t);
    const victim = await pendingSignIn(t, e.user.email);
    expect((await victim.json('/auth/mfa/verify', { json: { code: totpCode(t, e.secret) } })).res.status).toBe(200);
    // Later: a copy of that cookie (password-fresh or not) tries to step up with guessed codes.
    t.clock.advanceMs(60_000);
    const thief = victim.clone({ ip: '203.0.113.99' });
    const csrf = await thief.fetchCsrf();
    const right = totpCode(t, e.secret);
    const wrong = String((Number(right) + 3) % 1_000_000).padStart(6, '0');
    const before = await t.stores.sessions.findSessionByTokenHash(sha256Hex(thief.sessionToken ?? ''));
    const answers = await Promise.all(Array.from({ length: 1000 }, () => thief.clone().json('/auth/verify', { json: { method: 'totp', code: wrong }, csrf })));
    expect(answers.filter((a) => a.res.status === 200)).toHaveLength(0);
    expect(await failures(t, e.user.id, 'wrong_code')).toBeLessThanOrEqual(t.auth.config.mfa.attemptBudget.count);
    // Nothing changed: the session keeps its token and its factor time; the right code now waits too.
    const after = await t.stores.sessions.findSessionByTokenHash(sha256Hex(thief.sessionToken ?? ''));
    expect(after?.session.factorAtMs).toBe(before?.session.factorAtMs);
    expect((await thief.json('/auth/verify', { json: { method: 'totp', code: right }, csrf })).res.status).toBe(429);
  });

  it('guessing the first code of an enrolment (1,000 at once) evaluates at most the account budget and confirms nothing', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const setup = await owner.json<{ secret: string }>('/auth/mfa/totp/setup', { method: 'POST', json: {}, csrf: true });
    expect(setup.res.status).toBe(200);
    const secret = decodeBase32IgnorePadding(setup.body.secret);
    const near = new Set([-1, 0, 1].map((o) => totpCode(t, secret, o)));
    const guesses = Array.from({ length: 1100 }, (_, i) => String(i).padStart(6, '0')).filter((c) => !near.has(c)).slice(0, 1000);
    const csrf = owner.csrfToken ?? (await owner.fetchCsrf());
    const answers = await Promise.all(guesses.map((code) => owner.clone().json('/auth/mfa/totp/confirm', { json: { code }, csrf })));
    expect(await failures(t, user.id, 'wrong_code')).toBeLessThanOrEqual(t.auth.config.mfa.attemptBudget.count);
    expect(answers.filter((a) => a.res.status === 200)).toHaveLength(0);
    // Nothing changed: the secret still waits for its first code, and the right one is now refused (429) too.
    expect((await t.stores.mfa.findTotp(user.id))?.confirmedAtMs).toBeNull();
    expect((await owner.json('/auth/mfa/totp/confirm', { json: { code: totpCode(t, secret) }, csrf })).res.status).toBe(429);
  });

  it('a password-fresh one-factor session cannot turn two-step sign-in off or replace the codes: the factor itself is asked for', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    // A session signed in with the password before the factor existed (or a stolen copy of it).
    const old = t.client();
    expect((await old.login({ email: user.email })).res.status).toBe(200);
    const { secret } = await enrolTotp(t, owner);
    const remove = await old.json('/auth/mfa/totp', { method: 'DELETE', csrf: true });
    expect(remove.res.status).toBe(401);
    expect(remove.body.code).toBe('REAUTH_REQUIRED');
    expect((await old.json('/auth/mfa/recovery-codes', { method: 'POST', json: {}, csrf: true })).res.status).toBe(401);
    // Nothing changed; the code (a step-up) is what lets its owner do it.
    expect((await t.stores.mfa.findTotp(user.id))?.confirmedAtMs).not.toBeNull();
    expect(await t.stores.mfa.countRecoveryCodes(user.id)).toBe(10);
    expect((await old.json('/auth/verify', { json: { code: totpCode(t, secret) }, csrf: true })).res.status).toBe(200);
    expect((await old.send('/auth/mfa/totp', { method: 'DELETE', csrf: true })).status).toBe(204);
  });
});
