/** @module HTTP: TOTP enrolment, recovery codes and the two-step sign-in (API.md "Multi-factor"). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, SESSION_COOKIE, createTestApp, uniqueEmail, type TestApp } from './harness.ts';
import { enrolTotp, pendingSignIn, totpCode } from './mfa-helpers.ts';

const PENDING_COOKIE = 'portcullis_mfa';

describe('multi-factor over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('enrols TOTP: a QR code (SVG, no script) and the secret as text, confirmed by a first code; ten recovery codes once', async () => {
    const client = t.client();
    const user = await client.signUp();
    expect((await client.json('/auth/mfa')).body).toEqual({ totp: false, passkeys: [], recovery_codes_left: 0 });

    const setup = await client.json<{ secret: string; otpauth_url: string; qr_svg: string }>('/auth/mfa/totp/setup', { method: 'POST', json: {}, csrf: true });
    expect(setup.res.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(setup.body.otpauth_url);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(setup.body.secret);
    expect(setup.body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(setup.body.qr_svg).not.toMatch(/<script|on\w+=/i);

    // Stored sealed: the database holds neither the base32 text nor the raw bytes.
    const row = await t.stores.mfa.findTotp(user.id);
    expect(row?.confirmedAtMs).toBeNull();
    expect(row?.sealedSecret).not.toContain(setup.body.secret);
    const { decodeBase32IgnorePadding } = await import('@oslojs/encoding');
    const secret = decodeBase32IgnorePadding(setup.body.secret);
    expect(row?.sealedSecret).not.toContain(Buffer.from(secret).toString('base64url'));

    // Not a factor until confirmed: login still gives a session.
    const meanwhile = t.client();
    expect((await meanwhile.login({ email: user.email })).res.status).toBe(200);

    const wrong = await client.json('/auth/mfa/totp/confirm', { method: 'POST', json: { code: totpCode(t, secret, 5) }, csrf: true });
    expect(wrong.res.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');

    const confirm = await client.json<{ recovery_codes: string[] }>('/auth/mfa/totp/confirm', { method: 'POST', json: { code: totpCode(t, secret) }, csrf: true });
    expect(confirm.res.status).toBe(200);
    expect(confirm.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirm.body.recovery_codes).size).toBe(10);
    expect((await client.json('/auth/mfa')).body).toEqual({ totp: true, passkeys: [], recovery_codes_left: 10 });

    // A second set-up while one is confirmed is refused and changes nothing.
    const again = await client.json('/auth/mfa/totp/setup', { method: 'POST', json: {}, csrf: true });
    expect(again.res.status).toBe(400);
    expect((await t.stores.mfa.findTotp(user.id))?.sealedSecret).toBe(row?.sealedSecret);
  });

  it('enrolment needs a fresh login: a stale session is sent to re-authenticate and nothing is stored', async () => {
    const client = t.client();
    const user = await client.signUp();
    t.clock.advanceMs(11 * 60_000);
    const { res, body } = await client.json('/auth/mfa/totp/setup', { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(401);
    expect(body.code).toBe('REAUTH_REQUIRED');
    expect(await t.stores.mfa.findTotp(user.id)).toBeUndefined();
    const anonymous = t.client();
    expect((await anonymous.json('/auth/mfa/totp/setup', { method: 'POST', json: {} })).res.status).toBe(401);
  });

  it('two-step sign-in: the password yields only a pending state; the TOTP code makes the session', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const { secret } = await enrolTotp(t, owner);

    const client = t.client();
    const first = await client.json<{ mfa_required: boolean; methods: string[] }>('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(first.res.status).toBe(200);
    expect(first.body).toEqual({ mfa_required: true, methods: ['totp', 'recovery_code'] });
    expect(client.jar.has(SESSION_COOKIE)).toBe(false);
    expect(client.jar.has(PENDING_COOKIE)).toBe(true);
    const cookie = first.res.headers.getSetCookie().find((c) => c.startsWith(`${PENDING_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Max-Age=300/i);
    expect((await client.me()).res.status).toBe(401);

    const second = await client.json<{ user: { id: string }; csrf_token: string }>('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(t, secret) } });
    expect(second.res.status).toBe(200);
    expect(second.body.user.id).toBe(user.id);
    expect(client.jar.has(SESSION_COOKIE)).toBe(true);
    expect(client.jar.has(PENDING_COOKIE)).toBe(false);
    expect((await client.me()).body.user?.id).toBe(user.id);
  });

  it('a recovery code finishes a sign-in once; the count goes down; regenerating kills the old ones', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const { recoveryCodes } = await enrolTotp(t, owner);
    const [code, other] = recoveryCodes as [string, string];

    const client = await pendingSignIn(t, user.email);
    const ok = await client.json('/auth/mfa/verify', { json: { method: 'recovery_code', code: code.toUpperCase() } });
    expect(ok.res.status).toBe(200);
    expect((await owner.json('/auth/mfa')).body.recovery_codes_left).toBe(9);

    const reuse = await pendingSignIn(t, user.email);
    const again = await reuse.json('/auth/mfa/verify', { json: { method: 'recovery_code', code } });
    expect(again.res.status).toBe(401);
    expect(again.body.code).toBe('INVALID_CREDENTIALS');

    const fresh = await owner.json<{ recovery_codes: string[] }>('/auth/mfa/recovery-codes', { method: 'POST', json: {}, csrf: true });
    expect(fresh.res.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    const old = await pendingSignIn(t, user.email);
    expect((await old.json('/auth/mfa/verify', { json: { method: 'recovery_code', code: other } })).res.status).toBe(401);
    const renewed = await pendingSignIn(t, user.email);
    expect((await renewed.json('/auth/mfa/verify', { json: { method: 'recovery_code', code: fresh.body.recovery_codes[0] } })).res.status).toBe(200);
  });

  it('/auth/token and Basic refuse an account with a second factor: 401 MFA_REQUIRED, no tokens', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    const token = await t.client().json('/auth/token', { json: { email: user.email, password: PASSWORD } });
    expect(token.res.status).toBe(401);
    expect(token.body).toEqual({ error: 'A second factor is required', code: 'MFA_REQUIRED' });
    const basic = await t.client().json('/auth/me', { headers: { authorization: `Basic ${Buffer.from(`${user.email}:${PASSWORD}`).toString('base64')}` } });
    expect(basic.res.status).toBe(401);
    expect(basic.body.code).toBe('MFA_REQUIRED');
    // A wrong password is still just a wrong password (nothing about the second factor is told).
    const wrong = await t.client().json('/auth/token', { json: { email: user.email, password: 'not the password at all' } });
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('removing TOTP (fresh) turns two-step sign-in off and drops the recovery codes', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    const res = await owner.send('/auth/mfa/totp', { method: 'DELETE', csrf: true });
    expect(res.status).toBe(204);
    expect((await owner.json('/auth/mfa')).body).toEqual({ totp: false, passkeys: [], recovery_codes_left: 0 });
    expect((await t.client().login({ email: user.email })).res.status).toBe(200);
  });

  it('bad input to the second step is 400 and spends no attempt', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    const client = await pendingSignIn(t, user.email);
    for (const body of [{ code: 'abc' }, { method: 'sms', code: '123456' }, { code: 12 }, { method: 'recovery_code', code: '!!!' }]) {
      const { res } = await client.json('/auth/mfa/verify', { json: body });
      expect(res.status).toBe(400);
    }
    expect(await t.stores.audit.listAuditRecords({ event: 'mfa.failed', userId: user.id, offset: 0, limit: 10 }).then((r) => r.total)).toBe(0);
  });

  it('a browser is sent to the second-factor page, and finishes there with a form', async () => {
    const owner = t.client();
    const user = await owner.signUp({ email: uniqueEmail('form') });
    const { secret } = await enrolTotp(t, owner);
    const browser = t.client();
    const csrf = await browser.pageCsrf('/login');
    const res = await browser.postForm('/auth/login', { email: user.email, password: PASSWORD, csrf_token: csrf, next: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login/second-factor?next=%2Faccount');
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    const done = await browser.postForm('/auth/mfa/verify', { method: 'totp', code: totpCode(t, secret), csrf_token: csrf, next: '/account' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account');
    expect(browser.jar.has(SESSION_COOKIE)).toBe(true);
  });

  it('pages: the second-factor page needs a pending sign-in; /account/security shows the state, no secret', async () => {
    const anonymous = t.client();
    const gone = await anonymous.send('/login/second-factor', { browser: true });
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toBe('/login');

    const owner = t.client();
    const user = await owner.signUp();
    const off = await (await owner.send('/account/security', { browser: true })).text();
    expect(off).toContain('id="totp-status"');
    expect(off).toContain('Off.');
    await enrolTotp(t, owner);
    const on = await (await owner.send('/account/security', { browser: true })).text();
    expect(on).toContain('<strong>On.</strong>');
    expect(on).not.toContain('id="totp-secret"');
    expect(on).not.toContain('id="recovery-codes"');

    const pending = await pendingSignIn(t, user.email);
    const step = await pending.send('/login/second-factor?next=/account', { browser: true });
    expect(step.status).toBe(200);
    const html = await step.text();
    expect(html).toContain('action="/auth/mfa/verify"');
    expect(html).toContain('name="next" value="/account"');
    expect(html).toContain('method=recovery_code');
  });
});
