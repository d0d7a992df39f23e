/**
 * @module Sign-in by e-mail over HTTP with a real SMTP server: ask for a code (one mail with a code
 * and a link), sign in with the code or the link, a wrong or expired code answering like a wrong
 * password, the address confirmed by the mail, and the routes absent when EMAIL_SIGNIN is off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, errorShape, uniqueEmail } from './harness.ts';
import { askForCode, createEmailSignInApp, signInMails } from './email-signin-helpers.ts';
import type { IdentityApp } from './identity-helpers.ts';

let app: IdentityApp;

beforeAll(async () => {
  app = await createEmailSignInApp();
});
afterAll(async () => {
  await app?.dispose();
});

async function account(label: string): Promise<{ email: string; id: string }> {
  const email = uniqueEmail(label);
  const user = await app.t.client().signUp({ email });
  return { email, id: user.id };
}

describe('sign-in by e-mail', () => {
  it('asking sends one mail with a six-digit code and a link; the code signs the asking browser in', async () => {
    const { email, id } = await account('code');
    const browser = app.t.client();
    const { code, link } = await askForCode(app, browser, email);
    expect(code).toMatch(/^\d{6}$/);
    expect(link).toContain('/auth/email-signin/verify?token=');
    const { res, body } = await browser.json<{ user: { id: string }; csrf_token: string }>('/auth/email-signin/verify', { json: { email, code } });
    expect(res.status).toBe(200);
    expect(body.user.id).toBe(id);
    expect(typeof body.csrf_token).toBe('string');
    expect((await browser.me()).body.user?.email).toBe(email);
  });

  it('the link signs the asking browser in and goes on to the page after login', async () => {
    const { email } = await account('link');
    const browser = app.t.client();
    const { link } = await askForCode(app, browser, email);
    const res = await browser.send(link, { browser: true });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect((await browser.me()).body.user?.email).toBe(email);
  });

  it('the link opened without the pre-session cookie (a cross-site navigation from a web mail) navigates on once, then refuses', async () => {
    const { email } = await account('crosssite');
    const asking = app.t.client();
    const { link } = await askForCode(app, asking, email);
    const bare = app.t.client();
    const first = await bare.send(link, { browser: true });
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain('http-equiv="refresh"');
    expect(page).toContain('again=1');
    expect(page).not.toContain('<script');
    expect(bare.sessionToken).toBeUndefined();
    const again = await bare.send(`${link}&again=1`, { browser: true });
    expect(again.status).toBe(401);
    expect(bare.sessionToken).toBeUndefined();
    // The browser that asked (its cookie comes along on the same-site navigation) still signs in.
    expect((await asking.send(`${link}&again=1`, { browser: true })).status).toBe(303);
  });

  it('a code works once: the second use answers like a wrong password', async () => {
    const { email } = await account('once');
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    expect((await browser.json('/auth/email-signin/verify', { json: { email, code } })).res.status).toBe(200);
    const again = await browser.clone().json('/auth/email-signin/verify', { json: { email, code } });
    expect(again.res.status).toBe(401);
    expect(errorShape(again.body).code).toBe('INVALID_CREDENTIALS');
  });

  it('a wrong code answers exactly like a wrong password, and signs nobody in', async () => {
    const { email } = await account('wrong');
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const byCode = await browser.json('/auth/email-signin/verify', { json: { email, code: wrong } });
    const byPassword = await app.t.client().json('/auth/login', { json: { email, password: `${PASSWORD}x` } });
    expect(byCode.res.status).toBe(byPassword.res.status);
    expect(byCode.body).toEqual(byPassword.body);
    expect(browser.sessionToken).toBeUndefined();
  });

  it('a code expires after ten minutes', async () => {
    const { email } = await account('expired');
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    app.t.clock.advanceMs(10 * 60_000 + 1_000);
    const { res } = await browser.json('/auth/email-signin/verify', { json: { email, code } });
    expect(res.status).toBe(401);
    expect(browser.sessionToken).toBeUndefined();
  });

  it('a new code replaces the old one', async () => {
    const { email } = await account('replaced');
    const browser = app.t.client();
    const first = await askForCode(app, browser, email);
    const second = await askForCode(app, browser, email);
    if (first.code !== second.code) expect((await browser.json('/auth/email-signin/verify', { json: { email, code: first.code } })).res.status).toBe(401);
    expect((await browser.json('/auth/email-signin/verify', { json: { email, code: second.code } })).res.status).toBe(200);
  });

  it("signing in by e-mail confirms an unconfirmed address (the mail proved it)", async () => {
    const { email, id } = await account('confirms');
    expect((await app.t.stores.users.findUserById(id))?.emailConfirmedAtMs).toBeNull();
    const browser = app.t.client();
    const { code } = await askForCode(app, browser, email);
    expect((await browser.json('/auth/email-signin/verify', { json: { email, code } })).res.status).toBe(200);
    expect((await app.t.stores.users.findUserById(id))?.emailConfirmedAtMs).toBeTypeOf('number');
  });

  it('an unknown address gets the same answer and no mail; a malformed one a 400 with the field', async () => {
    const unknown = uniqueEmail('nobody');
    const { res, body } = await app.t.client().json<{ message: string }>('/auth/email-signin', { json: { email: unknown } });
    expect(res.status).toBe(200);
    expect(body.message).toContain('sign-in code is on its way');
    expect(await signInMails(app, unknown)).toHaveLength(0);
    const bad = await app.t.client().json('/auth/email-signin', { json: { email: '"a@evil"@example.test' } });
    expect(bad.res.status).toBe(400);
    expect(errorShape(bad.body).fields).toHaveProperty('email');
    const badCode = await app.t.client().json('/auth/email-signin/verify', { json: { email: unknown, code: 'abc' } });
    expect(badCode.res.status).toBe(400);
    expect(errorShape(badCode.body).fields).toHaveProperty('code');
  });

  it('a form post without a next goes back to the login page with the generic notice', async () => {
    const browser = app.t.client();
    const res = await browser.postForm('/auth/email-signin', { email: uniqueEmail('form') }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });
});

describe('sign-in by e-mail pages (no script)', () => {
  it('/login links to /login/email; asking there leads to the code page; a wrong code re-shows it; the right one signs in', async () => {
    const { email } = await account('pages');
    const browser = app.t.client();
    const login = await (await browser.send('/login', { browser: true })).text();
    expect(login).toContain('href="/login/email"');
    const ask = await browser.send('/login/email', { browser: true });
    expect(ask.status).toBe(200);
    const askHtml = await ask.text();
    expect(askHtml).toContain('action="/auth/email-signin"');
    expect(askHtml).not.toContain('<script');
    const asked = await browser.postForm('/auth/email-signin', { email, next: '/login/email/code' }, { csrfFrom: '/login/email' });
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/login/email/code');
    const [mail] = await signInMails(app, email);
    const codePage = await browser.send('/login/email/code', { browser: true });
    const codeHtml = await codePage.text();
    expect(codeHtml).toContain('action="/auth/email-signin/verify"');
    expect(codeHtml).toContain('sign-in code is on its way');
    const wrong = mail!.code === '000000' ? '000001' : '000000';
    const refused = await browser.postForm('/auth/email-signin/verify', { email, code: wrong }, { csrfFrom: '/login/email/code' });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Invalid credentials');
    expect(browser.sessionToken).toBeUndefined();
    const signedIn = await browser.postForm('/auth/email-signin/verify', { email, code: mail!.code }, { csrfFrom: '/login/email/code' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    expect((await browser.me()).body.user?.email).toBe(email);
  });
});
