/**
 * @module Attack suite — a password reset finished in a browser that is signed in (round 2, item 18).
 * The reset form of a signed-in browser carries the session's CSRF token, so that is the binding
 * `POST /auth/reset-password` checks while a session cookie is present (the pre-session one
 * otherwise). The fix must not open the door it guards: without a token, with another browser's
 * token or from a foreign origin the post is refused — and the password, the link and the sessions
 * are exactly as before. The happy path (the bug itself) is also in test/browser/reset-password-signed-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { PASSWORD, createTestApp, csrfFromHtml, locationOf, uniqueEmail, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { resetLinkIn, startSmtpSink, tokenOfLink, type SmtpSink } from '../http/password-helpers.ts';
import { sessionAlive, sessionCount } from './attack-helpers.ts';

const NEW = 'marble otter cinnamon glacier 42';

describe('a signed-in browser and the reset form', () => {
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

  /** A signed-in browser that asked for a reset link (while signed in) and opened it. */
  async function signedInWithLink(): Promise<{ browser: Client; user: PublicUserBody; email: string; token: string; page: string; formCsrf: string }> {
    const email = uniqueEmail('reset-signed-in');
    const browser = t.client();
    await browser.pageCsrf('/login'); // a pre-session exists from before the sign-in, as in a real browser
    const user = await browser.signUp({ email });
    const before = sink.to(email).length;
    expect((await browser.json('/auth/forgot-password', { json: { email }, csrf: true })).res.status).toBe(200);
    await t.auth.flush();
    const mails = sink.to(email);
    expect(mails.length).toBe(before + 1);
    const link = new URL(resetLinkIn(mails[mails.length - 1]!));
    const page = link.pathname + link.search;
    const html = await (await browser.send(page, { browser: true })).text();
    const formCsrf = csrfFromHtml(html);
    if (!formCsrf) throw new Error('the reset page has no csrf_token');
    return { browser, user, email, token: tokenOfLink(link.href), page, formCsrf };
  }

  async function state(user: PublicUserBody, browser: Client) {
    return {
      hash: (await t.stores.users.findUserById(user.id))?.passwordHash,
      sessions: await sessionCount(t, user.id),
      alive: await sessionAlive(t, browser.sessionToken ?? '', browser.ip),
    };
  }

  it('no token, another browser’s token, a foreign origin → 403, password, link and session unchanged', async () => {
    const { browser, user, email, token } = await signedInWithLink();
    const stranger = t.client();
    const strangerCsrf = await stranger.pageCsrf('/login');
    const before = await state(user, browser);
    expect(before.alive).toBe(true);

    const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no csrf_token', { token, new_password: NEW }, {}],
      ['a stranger’s pre-session token', { token, new_password: NEW, csrf_token: strangerCsrf }, {}],
      ['a foreign origin', { token, new_password: NEW, csrf_token: strangerCsrf }, { origin: 'https://evil.example' }],
    ];
    for (const [label, form, headers] of attempts) {
      const res = await browser.send('/auth/reset-password', { form, browser: true, headers: { origin: browser.origin, ...headers } });
      expect(res.status, label).toBe(403);
      expect(await state(user, browser), label).toEqual(before);
    }
    // the old password still signs in, the new one does not: nothing was reset
    expect((await t.client().login({ email, password: PASSWORD })).res.status).toBe(200);
    expect((await t.client().login({ email, password: NEW })).res.status).toBe(401);
  });

  it('the form’s own token (bound to the session) finishes the reset once; the link is then spent', async () => {
    const { browser, user, email, token, formCsrf } = await signedInWithLink();
    const hashBefore = (await t.stores.users.findUserById(user.id))?.passwordHash;

    const res = await browser.postForm('/auth/reset-password', { token, new_password: NEW, csrf_token: formCsrf });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toMatch(/^\/login/);
    expect((await t.stores.users.findUserById(user.id))?.passwordHash).not.toBe(hashBefore);
    expect((await t.client().login({ email, password: NEW })).res.status).toBe(200);

    // replaying the same form (same token, same csrf) changes nothing
    const hashAfter = (await t.stores.users.findUserById(user.id))?.passwordHash;
    const again = await browser.postForm('/auth/reset-password', { token, new_password: 'another fine passphrase 77', csrf_token: formCsrf });
    expect(again.status).not.toBe(303);
    expect((await t.stores.users.findUserById(user.id))?.passwordHash).toBe(hashAfter);
  });
});
