/**
 * @module HTTP: passkeys with the rest of multi-factor — MFA_REQUIRED_ROLES (an admin enrols with a
 * passkey, then signs in with it as the second factor or passwordless, AAL2 either way), an admin's
 * reset removes passkeys too, and malformed passkey input is a documented 400 on every route that
 * takes one (never a 500, nothing stored, no attempt spent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorShape, nextIp, sha256Hex, type Client, type TestApp } from './harness.ts';
import { pendingSignIn } from './mfa-helpers.ts';
import { newAuthenticator, passwordlessLogin, passwordlessOptions, registerPasskey, verifyWithPasskey } from './passkey-helpers.ts';

const ADMIN_EMAIL = 'passkey-chief@example.com';

async function sessionOf(t: TestApp, client: Client) {
  return (await t.stores.sessions.findSessionByTokenHash(sha256Hex(client.sessionToken ?? '')))?.session;
}

describe('passkeys and assurance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ bootstrapAdminEmail: ADMIN_EMAIL, mfa: { requiredRoles: ['admin'] } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('MFA_REQUIRED_ROLES: an admin held back until enrolment enrols with a passkey, then signs in with it (second step or passwordless) and reaches /admin', async () => {
    const admin = t.client();
    await admin.signUp({ email: ADMIN_EMAIL });
    expect((await admin.json('/auth/sessions')).body.code).toBe('MFA_ENROLLMENT_REQUIRED');
    const authenticator = newAuthenticator();
    await registerPasskey(admin, authenticator);
    expect((await admin.send('/admin', { browser: true })).status).toBe(200);

    const twoStep = await pendingSignIn(t, ADMIN_EMAIL);
    expect((await verifyWithPasskey(twoStep, authenticator)).res.status).toBe(200);
    expect((await twoStep.send('/admin', { browser: true })).status).toBe(200);

    const passwordless = t.client();
    expect((await passwordlessLogin(passwordless, authenticator.get(await passwordlessOptions(passwordless)))).res.status).toBe(200);
    expect(await sessionOf(t, passwordless)).toMatchObject({ aal: 2, amr: 'passkey' });
    expect((await passwordless.send('/admin', { browser: true })).status).toBe(200);
  });

  it('an admin’s reset removes the user’s passkeys: the password alone signs in again, the passkey no longer does', async () => {
    const chief = t.client();
    const admin = await chief.signUp();
    await t.stores.roles.grantRole(admin.id, 'admin');
    await registerPasskey(chief, newAuthenticator());
    const owner = t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    expect((await chief.send(`/admin/users/${user.id}/mfa/reset`, { method: 'POST', json: {}, csrf: true })).status).toBeLessThan(400);
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toEqual([]);
    const again = t.client();
    expect((await again.login({ email: user.email })).res.status).toBe(200);
    const client = t.client();
    expect((await passwordlessLogin(client, authenticator.get(await passwordlessOptions(client)))).res.status).toBe(401);
  });

  it('malformed passkey input is a documented 400 on every route (never a 500), stores nothing and spends no attempt', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    const good = authenticator.get(await passwordlessOptions(t.client()));
    const junk: unknown[] = [
      undefined,
      'not json',
      '{"id":1}',
      42,
      [],
      { ...good, type: 'x' },
      { ...good, rawId: 'b3RoZXI' },
      { ...good, response: { ...good.response, signature: 'not base64url!' } },
      { ...good, response: null },
      { ...good, id: 'A'.repeat(2000), rawId: 'A'.repeat(2000) },
    ];
    const pending = await pendingSignIn(t, user.email);
    for (const response of junk) {
      // A new address each time: the routes' per-client rate limit is not what this is about.
      const anon = t.client();
      const fromPending = pending.clone({ ip: nextIp() });
      const label = JSON.stringify(response)?.slice(0, 60) ?? 'undefined';
      const answers = [
        await owner.json('/auth/passkeys/register', { method: 'POST', json: { response }, csrf: true }),
        await fromPending.json('/auth/mfa/verify', { method: 'POST', json: { method: 'passkey', response } }),
        await anon.json('/auth/passkeys/login', { method: 'POST', json: { response } }),
        await owner.json('/auth/verify', { method: 'POST', json: { method: 'passkey', response }, csrf: true }),
      ];
      for (const { res, body } of answers) {
        expect(res.status, label).toBe(400);
        expect(errorShape(body).code).toBe('INVALID_INPUT');
      }
    }
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toHaveLength(1);
    // No attempt was spent: the pending sign-in still finishes.
    expect((await verifyWithPasskey(pending, authenticator)).res.status).toBe(200);
    // A name that is not text, at registration: 400 too.
    const options = await owner.json('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    const bad = await owner.json('/auth/passkeys/register', {
      method: 'POST',
      json: { response: newAuthenticator().create(options.body as never), name: { x: 1 } },
      csrf: true,
    });
    expect(bad.res.status).toBe(400);
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toHaveLength(1);
  });
});
