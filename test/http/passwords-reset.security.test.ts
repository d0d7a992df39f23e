/**
 * @module HTTP: forgot / reset through a real SMTP server in-process. `POST /auth/forgot-password`
 * answers the same for existing and unknown e-mails and only the existing one gets mail; the link
 * opens `/reset-password`; `POST /auth/reset-password` applies the policy (a weak password does not
 * spend the link), ends every session and token, and the link is single use and expires. Attacks
 * (reuse, expiry, truncation, forgery, another user's link) are refused, audited, and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { HOUR, MINUTE, createTestApp, csrfFromHtml, errorShape, locationOf, sha256Hex, uniqueEmail, type Client, type TestApp } from './harness.ts';
import { decodeMail, resetLinkIn, startSmtpSink, tokenOfLink, type SmtpSink } from './password-helpers.ts';
import { RATE_LIMITED, accountWithEveryCredential, meWith, refresh, type CredentialedAccount } from './token-helpers.ts';

const OLD = 'tangerine submarine 1987 lighthouse';
const NEW = 'marble otter cinnamon glacier 42';
const INVALID_LINK = 'This reset link is invalid, used or expired. Ask for a new one.';

let sink: SmtpSink;
let mailer: ReturnType<typeof createSmtpMailer>;
let t: TestApp;

beforeAll(async () => {
  sink = await startSmtpSink();
  mailer = createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>');
  t = await createTestApp({ mailer });
});
afterAll(async () => {
  await t?.dispose();
  mailer?.close();
  await sink?.close();
});

const account = () => accountWithEveryCredential(t, 'reset', OLD);

async function forgot(c: Client, email: string) {
  return c.json<{ message?: string }>('/auth/forgot-password', { json: { email } });
}

/** Asks for a link (from a new client unless given) and returns it from the received mail. */
async function requestLink(email: string, c: Client = t.client()): Promise<{ link: string; token: string }> {
  const before = sink.to(email).length;
  const { res } = await forgot(c, email);
  expect(res.status).toBe(200);
  await t.auth.flush();
  const mails = sink.to(email);
  expect(mails.length).toBe(before + 1);
  const link = resetLinkIn(mails[mails.length - 1]!);
  return { link, token: tokenOfLink(link) };
}

async function reset(c: Client, token: unknown, password: unknown) {
  return c.json('/auth/reset-password', { json: { token, new_password: password } });
}

async function hashOf(userId: string): Promise<string> {
  return (await t.stores.users.findUserById(userId))?.passwordHash ?? '';
}

async function loginStatus(email: string, password: string): Promise<number> {
  return (await t.client().login({ email, password })).res.status;
}

async function resetFailures(ip: string): Promise<Array<{ reason: string | null; userId: string | null }>> {
  const { records } = await t.auth.admin.listAudit({ event: 'password.reset_failed', ip, offset: 0, limit: 50 });
  return records.map((r) => ({ reason: r.reason, userId: r.userId }));
}

async function expectInvalidLink(res: Response, body: unknown): Promise<void> {
  expect(res.status).toBe(400);
  expect(errorShape(body)).toEqual({ error: 'Invalid input', code: 'INVALID_INPUT', fields: { token: INVALID_LINK } });
}

/** The account as it was: same hash, sessions and tokens alive, the old password logs in. */
async function expectUntouched(a: CredentialedAccount, hash: string): Promise<void> {
  expect(await hashOf(a.userId)).toBe(hash);
  expect((await a.browser.me()).res.status).toBe(200);
  expect((await a.other.me()).res.status).toBe(200);
  expect((await meWith(t, `Bearer ${a.access}`)).res.status).toBe(200);
  expect((await meWith(t, `Bearer ${a.pat}`)).res.status).toBe(200);
  expect(await loginStatus(a.email, OLD)).toBe(200);
}

async function unused(token: string): Promise<boolean> {
  const found = await t.stores.tokens.findResetToken(sha256Hex(token));
  return found !== undefined && found.usedAtMs === null;
}

describe('POST /auth/forgot-password: the same answer either way', () => {
  it('existing and unknown e-mail → the same 200 body and headers (but Date / RateLimit-*); only the existing one receives mail', async () => {
    const a = await account();
    const unknown = uniqueEmail('nobody');
    const total = sink.received.length;
    const known = await forgot(t.client(), a.email);
    const stranger = await forgot(t.client(), unknown);
    expect(known.res.status).toBe(200);
    expect(stranger.res.status).toBe(200);
    expect(known.body).toEqual(stranger.body);
    expect(known.body).toEqual({ message: 'If an account exists for that e-mail, a link to reset its password is on its way.' });
    const headers = (res: Response) => [...res.headers].filter(([name]) => name !== 'date' && !name.startsWith('ratelimit')).sort();
    expect(headers(known.res)).toEqual(headers(stranger.res));

    await t.auth.flush();
    expect(sink.to(unknown)).toHaveLength(0);
    expect(sink.to(a.email)).toHaveLength(1);
    expect(sink.received.length).toBe(total + 1);
  });

  it('the message: from the configured sender, to the user, a link to /reset-password?token=pcrs_… on the public origin; stored only hashed', async () => {
    const a = await account();
    const { link, token } = await requestLink(a.email);
    const mail = sink.to(a.email)[0]!;
    expect(mail.from).toBe('no-reply@example.com');
    expect(mail.to).toEqual([a.email]);
    const { headers, text } = decodeMail(mail.raw);
    expect(headers).toMatch(/^subject: Reset your password$/im);
    expect(text).toMatch(/within 60 minutes/);
    expect(link).toBe(`http://localhost:3000/reset-password?token=${token}`);
    expect(token).toMatch(/^pcrs_[\w-]{43}$/);
    // Hashed at rest: the row holds the SHA-256, never the token.
    const rows = await t.stores.db.selectFrom('reset_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await unused(token)).toBe(true);
  });

  it('a form post (from /forgot-password) → 303 to /login either way', async () => {
    const a = await account();
    const page = await t.client().send('/forgot-password', { browser: true });
    expect(page.status).toBe(200);
    const c1 = t.client();
    const known = await c1.postForm('/auth/forgot-password', { email: a.email }, { csrfFrom: '/forgot-password' });
    const c2 = t.client();
    const unknown = await c2.postForm('/auth/forgot-password', { email: uniqueEmail('nobody') }, { csrfFrom: '/forgot-password' });
    expect(known.status).toBe(303);
    expect(unknown.status).toBe(303);
    expect(locationOf(known)).toBe('/login');
    expect(locationOf(unknown)).toBe('/login');
    await t.auth.flush();
    expect(sink.to(a.email)).toHaveLength(1);
  });

  it('limited to 3 an hour per client: the 4th → 429 RATE_LIMITED + Retry-After, and sends no mail', async () => {
    const a = await account();
    const c = t.client();
    for (let i = 0; i < 3; i += 1) expect((await forgot(c, a.email)).res.status).toBe(200);
    const fourth = await forgot(c, a.email);
    expect(fourth.res.status).toBe(429);
    expect(fourth.body).toEqual(RATE_LIMITED);
    expect(Number(fourth.res.headers.get('retry-after'))).toBeGreaterThan(0);
    await t.auth.flush();
    expect(sink.to(a.email)).toHaveLength(3);
    // An unknown e-mail is limited the same way (no difference to observe).
    const d = t.client();
    for (let i = 0; i < 3; i += 1) await forgot(d, uniqueEmail('nobody'));
    expect((await forgot(d, uniqueEmail('nobody'))).res.status).toBe(429);
  });
});

describe('reset end to end', () => {
  it('link → page with the token → weak password refused (link not spent) → new password set; every session and token dies', async () => {
    const a = await account();
    const hash = await hashOf(a.userId);
    const c = t.client();
    const { link, token } = await requestLink(a.email, c);

    // The link opens the page, with the token in a hidden field.
    const url = new URL(link);
    const page = await c.send(url.pathname + url.search, { browser: true });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<input type="hidden" name="token" value="${token}"`);
    expect(html).toContain('name="new_password"');

    // Policy applies; the link is not spent.
    const weak = await reset(c, token, 'aaaaaaaaaa');
    expect(weak.res.status).toBe(400);
    const weakError = errorShape(weak.body);
    expect(weakError.code).toBe('INVALID_INPUT');
    expect(Object.keys(weakError.fields ?? {})).toEqual(['new_password']);
    expect(weakError.fields?.new_password).toMatch(/too easy to guess/i);
    expect(await unused(token)).toBe(true);
    await expectUntouched(a, hash);

    const done = await reset(c, token, NEW);
    expect(done.res.status).toBe(200);
    expect(done.body).toEqual({ message: 'Your password has been changed. Log in with the new one.' });
    // The reset does not log this client in.
    expect(c.sessionToken).toBeUndefined();

    // Every session and token is dead; the old password fails, the new one logs in.
    expect((await a.browser.me()).res.status).toBe(401);
    expect((await a.other.me()).res.status).toBe(401);
    expect((await meWith(t, `Bearer ${a.access}`)).res.status).toBe(401);
    expect((await refresh(t, a.refreshToken)).res.status).toBe(401);
    expect((await meWith(t, `Bearer ${a.pat}`)).res.status).toBe(401);
    expect(await loginStatus(a.email, OLD)).toBe(401);
    expect(await loginStatus(a.email, NEW)).toBe(200);
    const changed = await t.auth.admin.listAudit({ event: 'password.changed', userId: a.userId, offset: 0, limit: 10 });
    expect(changed.records.map((r) => r.detail.by ?? r.reason)).toEqual(['reset']);
  });

  it('the form on /reset-password (pre-session CSRF) → 303 to /login; the new password logs in', async () => {
    const a = await account();
    const c = t.client();
    const { link, token } = await requestLink(a.email, c);
    const url = new URL(link);
    const csrf = await c.pageCsrf(url.pathname + url.search);
    const res = await c.postForm('/auth/reset-password', { token, new_password: NEW, csrf_token: csrf });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/login');
    expect(await loginStatus(a.email, NEW)).toBe(200);
  });

  it('the form re-shows the page with the reason for a weak password, keeping the token', async () => {
    const a = await account();
    const c = t.client();
    const { link, token } = await requestLink(a.email, c);
    const url = new URL(link);
    const res = await c.postForm('/auth/reset-password', { token, new_password: 'password123' }, { csrfFrom: url.pathname + url.search });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/too common/i);
    expect(html).toContain(`value="${token}"`);
    expect(csrfFromHtml(html)).toBeTruthy();
    expect(await unused(token)).toBe(true);
  });
});

describe('attacks on the link: refused, audited, nothing changed', () => {
  it('the same link a second time → 400 fields.token; audited password.reset_failed reason "used"; the password stays the new one', async () => {
    const a = await account();
    const { token } = await requestLink(a.email);
    expect((await reset(t.client(), token, NEW)).res.status).toBe(200);
    const afterReset = await hashOf(a.userId);
    const fresh = t.client();
    expect((await fresh.login({ email: a.email, password: NEW })).res.status).toBe(200);

    const attacker = t.client();
    const again = await reset(attacker, token, 'a different strong passphrase 77');
    await expectInvalidLink(again.res, again.body);
    expect(await hashOf(a.userId)).toBe(afterReset);
    expect((await fresh.me()).res.status).toBe(200);
    expect(await loginStatus(a.email, NEW)).toBe(200);
    expect(await resetFailures(attacker.ip)).toEqual([{ reason: 'used', userId: a.userId }]);
  });

  it('expired (1 h + 1 s later) → 400; audited reason "expired"; nothing changed', async () => {
    const a = await account();
    const hash = await hashOf(a.userId);
    const { token } = await requestLink(a.email);
    t.clock.advanceMs(HOUR + 1_000);
    const c = t.client();
    const res = await reset(c, token, NEW);
    await expectInvalidLink(res.res, res.body);
    expect(await hashOf(a.userId)).toBe(hash);
    expect(await loginStatus(a.email, OLD)).toBe(200);
    expect(await loginStatus(a.email, NEW)).toBe(401);
    expect(await resetFailures(c.ip)).toEqual([{ reason: 'expired', userId: a.userId }]);
  });

  it('still valid just before the hour is up', async () => {
    const a = await account();
    const { token } = await requestLink(a.email);
    t.clock.advanceMs(HOUR - MINUTE);
    expect((await reset(t.client(), token, NEW)).res.status).toBe(200);
    expect(await loginStatus(a.email, NEW)).toBe(200);
  });

  it('truncated, extended, case-changed or malformed tokens → 400; audited; the real link still works afterwards', async () => {
    const a = await account();
    const hash = await hashOf(a.userId);
    const { token } = await requestLink(a.email);
    const forged = [
      token.slice(0, -1),
      token.slice(0, 20),
      `${token}A`,
      token.replace(/^pcrs_/, 'pcat_'),
      token.replace(/^pcrs_/, 'PCRS_'),
      `pcrs_${'A'.repeat(43)}`,
      sha256Hex(token), // what a database leak would expose
      ` ${token}`,
    ];
    const c = t.client();
    // The reset route shares the per-client limit (3/h): one client per attempt.
    for (const value of forged) {
      const attacker = t.client();
      const res = await reset(attacker, value, NEW);
      expect(res.res.status).toBe(400);
      expect(errorShape(res.body).fields?.token).toBeTruthy();
      const failures = await resetFailures(attacker.ip);
      if (typeof value === 'string' && value.length <= 64) expect(failures.length).toBe(1);
    }
    for (const value of [123, null, '', ['x'], { token }]) {
      const res = await reset(t.client(), value, NEW);
      expect(res.res.status).toBe(400);
      expect(errorShape(res.body).fields?.token).toBeTruthy();
    }
    expect(await hashOf(a.userId)).toBe(hash);
    expect(await unused(token)).toBe(true);
    expect((await reset(c, token, NEW)).res.status).toBe(200);
  });

  it('a random pcrs_ token → 400, audited reason "unknown"', async () => {
    const c = t.client();
    const res = await reset(c, `pcrs_${'x'.repeat(21)}${'Y'.repeat(22)}`, NEW);
    await expectInvalidLink(res.res, res.body);
    expect(await resetFailures(c.ip)).toEqual([{ reason: 'unknown', userId: null }]);
  });

  it('another user\'s link reused after use → 400; neither account changes', async () => {
    const alice = await account();
    const bob = await account();
    const bobHash = await hashOf(bob.userId);
    const { token } = await requestLink(alice.email);
    expect((await reset(t.client(), token, NEW)).res.status).toBe(200);
    const aliceHash = await hashOf(alice.userId);
    // Bob (logged in, his own browser) tries Alice's spent link.
    const res = await bob.browser.json('/auth/reset-password', { json: { token, new_password: 'bob takes over 1234 quietly' } });
    await expectInvalidLink(res.res, res.body);
    expect(await hashOf(alice.userId)).toBe(aliceHash);
    await expectUntouched(bob, bobHash);
    expect(await resetFailures(bob.browser.ip)).toEqual([{ reason: 'used', userId: alice.userId }]);
  });

  it('an older link dies when a newer one is used, and when the password is changed', async () => {
    const a = await account();
    const first = await requestLink(a.email);
    const second = await requestLink(a.email);
    expect(first.token).not.toBe(second.token);
    expect((await reset(t.client(), second.token, NEW)).res.status).toBe(200);
    const stale = await reset(t.client(), first.token, 'yet another strong passphrase 5');
    await expectInvalidLink(stale.res, stale.body);
    expect(await loginStatus(a.email, NEW)).toBe(200);

    const b = await account();
    const link = await requestLink(b.email);
    expect((await b.browser.json('/auth/change-password', { json: { password: OLD, new_password: NEW }, csrf: true })).res.status).toBe(200);
    const afterChange = await reset(t.client(), link.token, 'yet another strong passphrase 5');
    await expectInvalidLink(afterChange.res, afterChange.body);
    expect(await loginStatus(b.email, NEW)).toBe(200);
  });

  it('a deactivated account gets no mail', async () => {
    const a = await account();
    await t.stores.users.setUserActive(a.userId, false, t.clock.nowMs());
    const before = sink.to(a.email).length;
    expect((await forgot(t.client(), a.email)).res.status).toBe(200);
    await t.auth.flush();
    expect(sink.to(a.email).length).toBe(before);
  });
});
