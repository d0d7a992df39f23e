/**
 * @module HTTP: `POST /auth/change-password` (JSON, and the form of /account/password). It needs a
 * fresh login and the CSRF token; a wrong current password or a weak new one changes nothing; on
 * success this client gets a new session, and every other session, access/refresh token and
 * personal access token of the user dies; the new password logs in, the old does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, createTestApp, csrfFromHtml, errorShape, locationOf, type Client, type TestApp } from './harness.ts';
import { CSRF_FAILED, REAUTH_REQUIRED, accountWithEveryCredential, bearer, meWith, refresh, type CredentialedAccount } from './token-helpers.ts';

const OLD = 'tangerine submarine 1987 lighthouse';
const NEW = 'marble otter cinnamon glacier 42';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.dispose();
});

interface Fixture extends CredentialedAccount {
  /** A copy of the browser's cookie before the change (a stolen or old copy). */
  oldCookie: Client;
  hash: string;
}

/** An account with a fresh browser session, a second session, an access/refresh pair and a PAT. */
async function fixture(): Promise<Fixture> {
  const account = await accountWithEveryCredential(t, 'chg', OLD);
  const hash = (await t.stores.users.findUserById(account.userId))?.passwordHash ?? '';
  return { ...account, oldCookie: account.browser.clone(), hash };
}

async function loginStatus(email: string, password: string): Promise<number> {
  return (await t.client().login({ email, password })).res.status;
}

/** Nothing changed: same hash, every session and token still works, the old password still logs in. */
async function expectNothingChanged(f: Fixture): Promise<void> {
  expect((await t.stores.users.findUserById(f.userId))?.passwordHash).toBe(f.hash);
  expect((await f.browser.me()).res.status).toBe(200);
  expect((await f.other.me()).res.status).toBe(200);
  expect((await meWith(t, `Bearer ${f.access}`)).res.status).toBe(200);
  expect((await meWith(t, `Bearer ${f.pat}`)).res.status).toBe(200);
  expect(await loginStatus(f.email, OLD)).toBe(200);
  const changed = await t.auth.admin.listAudit({ event: 'password.changed', userId: f.userId, offset: 0, limit: 10 });
  expect(changed.total).toBe(0);
}

async function changeJson(c: Client, json: unknown, csrf: boolean | string = true) {
  return c.json('/auth/change-password', { json, csrf });
}

describe('guards: a fresh login and the CSRF token', () => {
  it('no session → 401 UNAUTHENTICATED; nothing changes', async () => {
    const f = await fixture();
    const { res, body } = await t.client().json('/auth/change-password', { json: { password: OLD, new_password: NEW } });
    expect(res.status).toBe(401);
    expect(errorShape(body).code).toBe('UNAUTHENTICATED');
    // A bearer token cannot change the password either (session only).
    const viaToken = await t.client().json('/auth/change-password', { json: { password: OLD, new_password: NEW }, headers: bearer(f.access) });
    expect(viaToken.res.status).toBe(401);
    await expectNothingChanged(f);
  });

  it('login older than 10 minutes → 401 REAUTH_REQUIRED (JSON), even with the right password; after /auth/verify it works', async () => {
    const f = await fixture();
    t.clock.advanceMs(10 * MINUTE + 1_000);
    const { res, body } = await changeJson(f.browser, { password: OLD, new_password: NEW });
    expect(res.status).toBe(401);
    expect(body).toEqual(REAUTH_REQUIRED);
    expect((await t.stores.users.findUserById(f.userId))?.passwordHash).toBe(f.hash);
    expect(await loginStatus(f.email, NEW)).toBe(401);

    const verified = await f.browser.json('/auth/verify', { json: { password: OLD }, csrf: true });
    expect(verified.res.status).toBe(200);
    expect((await changeJson(f.browser, { password: OLD, new_password: NEW })).res.status).toBe(200);
  });

  it('stale login in a browser: /account/password and the form post redirect to /verify', async () => {
    const f = await fixture();
    const page = await f.browser.send('/account/password', { browser: true });
    expect(page.status).toBe(200);
    const csrf = csrfFromHtml(await page.text());
    expect(csrf).toBeTruthy();
    t.clock.advanceMs(11 * MINUTE);
    const stalePage = await f.browser.send('/account/password', { browser: true });
    expect(stalePage.status).toBe(302);
    expect(locationOf(stalePage)).toMatch(/^\/verify\?next=/);
    const post = await f.browser.postForm('/auth/change-password', { password: OLD, new_password: NEW, csrf_token: csrf ?? '', next: '/account' });
    // A form POST is redirected with 303 (the browser then GETs /verify); navigations get 302.
    expect(post.status).toBe(303);
    expect(locationOf(post)).toMatch(/^\/verify\?next=/);
    expect((await t.stores.users.findUserById(f.userId))?.passwordHash).toBe(f.hash);
  });

  it('no CSRF token, or a wrong one → 403 CSRF_FAILED; nothing changes', async () => {
    const f = await fixture();
    const missing = await changeJson(f.browser, { password: OLD, new_password: NEW }, false);
    expect(missing.res.status).toBe(403);
    expect(missing.body).toEqual(CSRF_FAILED);
    const forged = await changeJson(f.browser, { password: OLD, new_password: NEW }, 'not-the-token');
    expect(forged.res.status).toBe(403);
    // Another user's valid token does not fit this session.
    const mallory = t.client();
    await mallory.signUp();
    const foreign = await changeJson(f.browser, { password: OLD, new_password: NEW }, await mallory.fetchCsrf());
    expect(foreign.res.status).toBe(403);
    // A form without csrf_token (a cross-site form post).
    const form = await f.browser.send('/auth/change-password', { form: { password: OLD, new_password: NEW }, browser: true, headers: { origin: 'https://evil.example' } });
    expect(form.status).toBe(403);
    await expectNothingChanged(f);
  });
});

describe('refusals change nothing', () => {
  it('wrong current password → 400 fields.password; hash, sessions and tokens intact', async () => {
    const f = await fixture();
    const { res, body } = await changeJson(f.browser, { password: `${OLD}x`, new_password: NEW });
    expect(res.status).toBe(400);
    const error = errorShape(body);
    expect(error.code).toBe('INVALID_INPUT');
    expect(Object.keys(error.fields ?? {})).toEqual(['password']);
    expect(error.fields?.password).toMatch(/current password/i);
    await expectNothingChanged(f);
    expect(await loginStatus(f.email, NEW)).toBe(401);
  });

  it('weak, common, too long or NUL new password → 400 fields.new_password; nothing changes', async () => {
    const f = await fixture();
    const cases: Array<[unknown, RegExp]> = [
      ['aaaaaaaaaa', /too easy to guess/i],
      ['password123', /too common/i],
      ['short', /at least 8/],
      ['x'.repeat(200) + 'Qz9!'.repeat(15), /at most 256/],
      ['quartz walnut\u0000lantern orbit', /NUL|control/i],
      ['          ', /only spaces/i],
      [12345678901, /string|text/i],
    ];
    for (const [next, why] of cases) {
      const { res, body } = await changeJson(f.browser, { password: OLD, new_password: next });
      expect(res.status).toBe(400);
      const error = errorShape(body);
      expect(error.code).toBe('INVALID_INPUT');
      expect(Object.keys(error.fields ?? {})).toEqual(['new_password']);
      expect(error.fields?.new_password).toMatch(why);
    }
    await expectNothingChanged(f);
  });

  it('the form re-shows the page with the reason (wrong current password; weak new one)', async () => {
    const f = await fixture();
    const wrong = await f.browser.postForm('/auth/change-password', { password: 'not my password', new_password: NEW, next: '/account' }, { csrfFrom: '/account/password' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/current password is not correct/i);
    const weak = await f.browser.postForm('/auth/change-password', { password: OLD, new_password: 'aaaaaaaaaa', next: '/account' }, { csrfFrom: '/account/password' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toMatch(/too easy to guess/i);
    await expectNothingChanged(f);
  });
});

describe('success', () => {
  async function expectEverythingElseDead(f: Fixture): Promise<void> {
    // The old cookie value (this browser's, before the change) is dead.
    expect((await f.oldCookie.me()).res.status).toBe(401);
    // Every other session of the user is dead.
    expect((await f.other.me()).res.status).toBe(401);
    // Access token, refresh token and personal access token are dead.
    expect((await meWith(t, `Bearer ${f.access}`)).res.status).toBe(401);
    expect((await refresh(t, f.refreshToken)).res.status).toBe(401);
    expect((await meWith(t, `Bearer ${f.pat}`)).res.status).toBe(401);
    // The new password logs in; the old one does not.
    expect(await loginStatus(f.email, OLD)).toBe(401);
    expect(await loginStatus(f.email, NEW)).toBe(200);
    const hash = (await t.stores.users.findUserById(f.userId))?.passwordHash ?? '';
    expect(hash).not.toBe(f.hash);
    expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const changed = await t.auth.admin.listAudit({ event: 'password.changed', userId: f.userId, offset: 0, limit: 10 });
    expect(changed.total).toBe(1);
  }

  it('JSON → 200 {user, csrf_token} with a new session cookie for this client; everything else dies; password.changed audited', async () => {
    const f = await fixture();
    const before = f.browser.sessionToken;
    const { res, body } = await changeJson(f.browser, { password: OLD, new_password: NEW });
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['csrf_token', 'user']);
    expect((body.user as { id: string }).id).toBe(f.userId);
    expect(res.headers.getSetCookie().some((line) => line.startsWith('portcullis_session='))).toBe(true);
    expect(f.browser.sessionToken).toBeTruthy();
    expect(f.browser.sessionToken).not.toBe(before);
    // The new cookie works, and it is the user's only session.
    expect((await f.browser.me()).body.user?.id).toBe(f.userId);
    const sessions = await f.browser.json<{ sessions: Array<{ current: boolean }> }>('/auth/sessions');
    expect(sessions.body.sessions).toHaveLength(1);
    expect(sessions.body.sessions[0]?.current).toBe(true);
    await expectEverythingElseDead(f);
    // The old csrf token was bound to the dead session; the one handed back works.
    f.browser.csrfToken = body.csrf_token as string;
    expect((await f.browser.json('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: body.csrf_token as string })).res.status).toBe(200);
  });

  it('form from /account/password → 303 to /account with a new session cookie; everything else dies', async () => {
    const f = await fixture();
    const page = await f.browser.send('/account/password', { browser: true });
    expect(page.status).toBe(200);
    const csrf = csrfFromHtml(await page.text()) ?? '';
    const before = f.browser.sessionToken;
    const res = await f.browser.postForm('/auth/change-password', { password: OLD, new_password: NEW, next: '/account', csrf_token: csrf });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/account');
    expect(f.browser.sessionToken).not.toBe(before);
    expect((await f.browser.send('/account', { browser: true })).status).toBe(200);
    await expectEverythingElseDead(f);
  });
});
