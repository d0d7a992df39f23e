/**
 * @module HTTP: assurance levels. Sessions record how they were made (AAL1/AAL2, methods, the time
 * of the second factor); `fresh({ level: 2 })` asks for a recent second factor and `/auth/verify`
 * with a code steps up; MFA_REQUIRED_ROLES holds role holders back until they enrol; an admin can
 * reset a user's factors (fresh, audited, mailed); a password reset never lowers what sign-in needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, handler } from '../../src/http/index.ts';
import { PASSWORD, PUBLIC_ORIGIN, createTestApp, sha256Hex, type Client, type TestApp } from './harness.ts';
import { enrolTotp, pendingSignIn, totpCode } from './mfa-helpers.ts';

const ADMIN_EMAIL = 'mfa-chief@example.com';

async function sessionOf(t: TestApp, client: Client) {
  return (await t.stores.sessions.findSessionByTokenHash(sha256Hex(client.sessionToken ?? '')))?.session;
}

describe('assurance levels', () => {
  let t: TestApp;
  /** A route of the app's own behind fresh({ withinMs: 5 min, level: 2 }), served by handler(auth). */
  let stepUpOnly: (client: Client) => Promise<Response>;
  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: ADMIN_EMAIL, mfa: { requiredRoles: ['admin'] } });
    const guard = fresh({ withinMs: 5 * 60_000, level: 2 });
    const fetch = handler(t.auth, { fallback: async (request, state) => (await guard(request, state)) ?? new Response('secret report') });
    stepUpOnly = (client) =>
      fetch(new Request(`${PUBLIC_ORIGIN}/reports`, { headers: { cookie: client.cookieHeader(), accept: 'application/json', 'user-agent': client.userAgent } }), {
        remoteAddress: client.ip,
      });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a password session is AAL1 (pwd); a two-step sign-in makes an AAL2 session (pwd,otp) with the time of its factor', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    expect(await sessionOf(t, owner)).toMatchObject({ aal: 1, amr: 'pwd', factorAtMs: 0 });
    const { secret } = await enrolTotp(t, owner);
    // Confirming the first code raised the enrolling session itself (under a new cookie token).
    expect(await sessionOf(t, owner)).toMatchObject({ aal: 2, amr: 'pwd,otp' });

    const client = await pendingSignIn(t, user.email);
    expect((await client.json('/auth/mfa/verify', { json: { code: totpCode(t, secret) } })).res.status).toBe(200);
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, amr: 'pwd,otp', factorAtMs: t.clock.nowMs() });
  });

  it('fresh({ level: 2 }): a recent second factor passes; a password-only or stale session must step up with a code', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const noFactor = await stepUpOnly(owner);
    expect(noFactor.status).toBe(403);
    expect(await noFactor.json()).toEqual({ error: 'Set up a second factor first', code: 'MFA_ENROLLMENT_REQUIRED' });

    const { secret } = await enrolTotp(t, owner);
    const client = await pendingSignIn(t, user.email);
    await client.json('/auth/mfa/verify', { json: { code: totpCode(t, secret) } });
    expect((await stepUpOnly(client)).status).toBe(200);

    t.clock.advanceMs(5 * 60_000 + 1);
    const stale = await stepUpOnly(client);
    expect(stale.status).toBe(401);
    expect((await stale.json()).code).toBe('REAUTH_REQUIRED');
    // The password again makes the session fresh, but not at level 2.
    expect((await client.json('/auth/verify', { json: { password: PASSWORD }, csrf: true })).res.status).toBe(200);
    expect((await stepUpOnly(client)).status).toBe(401);

    const wrong = await client.json('/auth/verify', { json: { method: 'totp', code: totpCode(t, secret, 4) }, csrf: true });
    expect(wrong.res.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect((await stepUpOnly(client)).status).toBe(401);

    const before = client.sessionToken;
    const up = await client.json('/auth/verify', { json: { method: 'totp', code: totpCode(t, secret) }, csrf: true });
    expect(up.res.status).toBe(200);
    expect(client.sessionToken).not.toBe(before);
    expect((await stepUpOnly(client)).status).toBe(200);
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, factorAtMs: t.clock.nowMs() });
  });

  it('MFA_REQUIRED_ROLES: an admin without a second factor is sent to enrol (403 / enrolment page) until they do', async () => {
    const admin = t.client();
    const { res, body } = await admin.register({ email: ADMIN_EMAIL });
    expect(res.status).toBe(201);
    expect(body.user.roles).toContain('admin');

    const api = await admin.json('/auth/sessions');
    expect(api.res.status).toBe(403);
    expect(api.body).toEqual({ error: 'Set up a second factor first', code: 'MFA_ENROLLMENT_REQUIRED' });
    const page = await admin.send('/admin', { browser: true });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/account/security?next=%2Fadmin');
    // Who one is, and the enrolment itself, stay reachable.
    expect((await admin.me()).res.status).toBe(200);
    const { secret } = await enrolTotp(t, admin);
    expect((await admin.send('/admin', { browser: true })).status).toBe(200);
    expect((await admin.json('/auth/sessions')).res.status).toBe(200);

    // From now on the admin's sign-in has the second step, and finishes with the code.
    const signIn = await pendingSignIn(t, ADMIN_EMAIL);
    expect((await signIn.json('/auth/mfa/verify', { json: { code: totpCode(t, secret) } })).res.status).toBe(200);
    expect((await signIn.send('/admin', { browser: true })).status).toBe(200);
  });

  it('an AAL1 session of a required role made before enrolment is asked to step up, and steps up with a code', async () => {
    const admin = t.client();
    // Another admin, granted through the role store as an operator would (roles are read per request).
    const user = await admin.signUp();
    await t.stores.roles.grantRole(user.id, 'admin');
    const second = t.client();
    expect((await second.login({ email: user.email })).res.status).toBe(200); // AAL1, before enrolment
    const { secret } = await enrolTotp(t, admin);
    const held = await second.json('/auth/sessions');
    expect(held.res.status).toBe(401);
    expect(held.body.code).toBe('REAUTH_REQUIRED');
    expect((await second.json('/auth/verify', { json: { code: totpCode(t, secret) }, csrf: true })).res.status).toBe(200);
    expect((await second.json('/auth/sessions')).res.status).toBe(200);
  });

  it('an admin resets a user\'s factors over HTTP (fresh, audited with the actor); the user signs in with the password again', async () => {
    const chief = t.client();
    const admin = await chief.signUp();
    await t.stores.roles.grantRole(admin.id, 'admin');
    await enrolTotp(t, chief); // the required second factor; raises this fresh session to AAL2
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);

    const stranger = t.client();
    await stranger.signUp();
    const refused = await stranger.send(`/admin/users/${user.id}/mfa/reset`, { method: 'POST', json: {}, csrf: true });
    expect(refused.status).toBe(403);
    expect(await t.stores.mfa.findTotp(user.id)).toBeDefined();

    const res = await chief.send(`/admin/users/${user.id}/mfa/reset`, { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(204);
    expect(await t.stores.mfa.findTotp(user.id)).toBeUndefined();
    expect(await t.stores.mfa.countRecoveryCodes(user.id)).toBe(0);
    await t.auth.flush();
    const { records } = await t.stores.audit.listAuditRecords({ event: 'mfa.reset', userId: user.id, offset: 0, limit: 5 });
    expect(records).toHaveLength(1);
    expect(records[0]?.actorId).toBe(admin.id);
    expect((await t.client().login({ email: user.email })).res.status).toBe(200);

    // Stale: the reset needs a fresh login, like every admin change.
    const other = t.client();
    const victim = await other.signUp();
    await enrolTotp(t, other);
    t.clock.advanceMs(11 * 60_000);
    const stale = await chief.send(`/admin/users/${victim.id}/mfa/reset`, { method: 'POST', json: {}, csrf: true });
    expect(stale.status).toBe(401);
    expect(await t.stores.mfa.findTotp(victim.id)).toBeDefined();
  });

  it('a password reset does not lower what sign-in needs: the new password still leads to the second step', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    await t.auth.admin.setPassword(user.id, 'a completely new passphrase 77', { ip: '127.0.0.1', userAgent: 'test', secure: false });
    const again = await t.client().json<{ mfa_required?: boolean }>('/auth/login', { json: { email: user.email, password: 'a completely new passphrase 77' } });
    expect(again.res.status).toBe(200);
    expect(again.body.mfa_required).toBe(true);
    expect(await t.stores.mfa.findTotp(user.id)).toBeDefined();
  });
});
