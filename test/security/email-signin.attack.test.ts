/**
 * @module Attack: sign-in by e-mail. One code raced (20 concurrent redemptions → one session), a
 * code brute-forced (1,000 concurrent guesses from many addresses → at most the account's budget
 * evaluated, nobody signed in), the link forwarded to another browser (another pre-session:
 * refused, and still good in the browser that asked), known and unknown addresses answering
 * alike, a user with TOTP stopping at the second-factor step, and EMAIL_SIGNIN=off meaning 404.
 * Each refusal is asserted together with "nothing changed".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorShape, nextIp, uniqueEmail } from '../http/harness.ts';
import { askForCode, createEmailSignInApp, signInMails } from '../http/email-signin-helpers.ts';
import { createIdentityApp, type IdentityApp } from '../http/identity-helpers.ts';
import { enrolTotp } from '../http/mfa-helpers.ts';
import { INVALID_CREDENTIALS, headerPairs, sessionCount } from './attack-helpers.ts';

const THRESHOLD = 3;
let app: IdentityApp;

beforeAll(async () => {
  // The per-client login limit is lifted: the attempt budget, not the route limit, must be what answers.
  app = await createEmailSignInApp({ rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } }, lockout: { threshold: THRESHOLD } });
});
afterAll(async () => {
  await app?.dispose();
});

async function account(label: string): Promise<{ email: string; id: string }> {
  const email = uniqueEmail(label);
  const user = await app.t.client().signUp({ email });
  // signUp signed its own client in; count sessions from here on.
  await app.t.stores.sessions.deleteSessionsOfUser(user.id);
  return { email, id: user.id };
}

describe('e-mail sign-in attacks', () => {
  it('20 concurrent redemptions of one code (the browser that asked, 20 addresses) → one session', async () => {
    const { email, id } = await account('race');
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    const copies = Array.from({ length: 20 }, () => browser.clone({ ip: nextIp() }));
    const results = await Promise.all(copies.map((c) => c.json('/auth/email-signin/verify', { json: { email, code } })));
    const statuses = results.map((r) => r.res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.res.status !== 200)) expect([401, 429]).toContain(r.res.status);
    expect(await sessionCount(app.t, id)).toBe(1);
  });

  it('the code and its link raced together → one session', async () => {
    const { email, id } = await account('race-link');
    const browser = app.t.client();
    const { code, link } = await askForCode(app, browser, email);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? browser.clone({ ip: nextIp() }).send(link, { browser: true }) : browser.clone({ ip: nextIp() }).send('/auth/email-signin/verify', { json: { email, code } }),
      ),
    );
    expect(results.filter((r) => r.status === 200 || r.status === 303)).toHaveLength(1);
    expect(await sessionCount(app.t, id)).toBe(1);
  });

  it('1,000 concurrent code guesses from many addresses: at most the budget evaluated, nobody signed in', async () => {
    const { email, id } = await account('brute');
    const attacker = app.t.client();
    const { code } = await askForCode(app, attacker, email);
    const guesses = Array.from({ length: 1_000 }, (_, i) => String(i).padStart(6, '0')).map((g) => (g === code ? '999999' : g));
    const results = await Promise.all(guesses.map((guess) => attacker.clone({ ip: nextIp() }).json('/auth/email-signin/verify', { json: { email, code: guess } })));
    expect(results.every((r) => r.res.status === 401 || r.res.status === 429)).toBe(true);
    const evaluated = results.filter((r) => r.res.status === 401).length;
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(THRESHOLD);
    expect(await sessionCount(app.t, id)).toBe(0);
    await app.t.auth.flush();
    const { records } = await app.t.auth.admin.listAudit({ event: 'login.failed', identity: email, offset: 0, limit: 2_000 });
    // Evaluated guesses are the failures with a verdict; the rest were refused before any lookup.
    const judged = records.filter((r) => r.reason === 'wrong_password').length;
    expect(judged).toBe(evaluated);
    expect(records.length).toBe(1_000);
    // The real code, now that the budget is spent, is refused too: the budget guards the account, not the guess.
    const real = await attacker.json('/auth/email-signin/verify', { json: { email, code } });
    expect(real.res.status).toBe(429);
    expect(await sessionCount(app.t, id)).toBe(0);
  });

  it('the link opened in another browser (another pre-session, or none) signs nobody in, and still works where it was asked for', async () => {
    const { email, id } = await account('forwarded');
    const asking = app.t.client();
    const { code, link } = await askForCode(app, asking, email);
    const elsewhere = app.t.client();
    await elsewhere.fetchCsrf(); // a pre-session of its own
    const forwarded = await elsewhere.send(link, { headers: { accept: 'application/json' } });
    expect(forwarded.status).toBe(401);
    expect(await forwarded.json()).toEqual(INVALID_CREDENTIALS);
    const cookieless = await app.t.client().json('/auth/email-signin/verify', { json: { email, code } });
    expect(cookieless.res.status).toBe(401);
    expect(elsewhere.sessionToken).toBeUndefined();
    expect(await sessionCount(app.t, id)).toBe(0);
    expect((await asking.send(link, { browser: true })).status).toBe(303);
    expect(await sessionCount(app.t, id)).toBe(1);
  });

  it('a known and an unknown address get identical answers (status, body, header names)', async () => {
    const { email } = await account('known');
    const unknown = uniqueEmail('unknown');
    const known = await app.t.client().json('/auth/email-signin', { json: { email } });
    const other = await app.t.client().json('/auth/email-signin', { json: { email: unknown } });
    expect(other.res.status).toBe(known.res.status);
    expect(other.body).toEqual(known.body);
    const names = (res: Response) => headerPairs(res, ['date', 'ratelimit', 'ratelimit-policy', 'set-cookie']).map(([name]) => name);
    expect(names(other.res)).toEqual(names(known.res));
    expect(await signInMails(app, unknown)).toHaveLength(0);
    expect(await signInMails(app, email)).toHaveLength(1);
  });

  it('the recipient budget holds under 50 concurrent asks for one address from 50 clients', async () => {
    const { email } = await account('budget');
    const results = await Promise.all(Array.from({ length: 50 }, () => app.t.client().json('/auth/email-signin', { json: { email } })));
    expect(results.every((r) => r.res.status === 200)).toBe(true);
    // Confirmation is optional here, so registration's confirmation mail took one unit of the 3/1h budget.
    expect((await signInMails(app, email)).length).toBeLessThanOrEqual(2);
  });

  it('a user with TOTP gets only the second-factor step: no session', async () => {
    const email = uniqueEmail('totp');
    const owner = app.t.client();
    const user = await owner.signUp({ email });
    await enrolTotp(app.t, owner);
    const before = await sessionCount(app.t, user.id);
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    const { res, body } = await browser.json<{ mfa_required?: boolean; user?: unknown }>('/auth/email-signin/verify', { json: { email, code } });
    expect(res.status).toBe(200);
    expect(body.mfa_required).toBe(true);
    expect(body.user).toBeUndefined();
    expect(browser.sessionToken).toBeUndefined();
    expect((await browser.me()).res.status).toBe(401);
    expect(await sessionCount(app.t, user.id)).toBe(before);
  });
});

describe('EMAIL_SIGNIN=off (the default)', () => {
  let off: IdentityApp;
  beforeAll(async () => {
    off = await createIdentityApp('optional');
  });
  afterAll(async () => {
    await off?.dispose();
  });

  it('every e-mail sign-in route answers 404 and no mail is sent', async () => {
    const email = uniqueEmail('off');
    await off.t.client().signUp({ email });
    const client = off.t.client();
    const ask = await client.json('/auth/email-signin', { json: { email } });
    expect(ask.res.status).toBe(404);
    expect(errorShape(ask.body).code).toBe('NOT_FOUND');
    expect((await client.json('/auth/email-signin/verify', { json: { email, code: '123456' } })).res.status).toBe(404);
    expect((await client.send('/auth/email-signin/verify?token=123456.abc', { headers: { accept: 'application/json' } })).status).toBe(404);
    await off.t.auth.flush();
    expect((await off.mailTo(email)).filter((m) => m.raw.includes('sign-in code'))).toHaveLength(0);
    expect((await client.send('/login/email', { browser: true })).status).toBe(404);
    expect((await client.send('/login/email/code', { browser: true })).status).toBe(404);
    expect(await (await client.send('/login', { browser: true })).text()).not.toContain('/login/email');
  });
});
