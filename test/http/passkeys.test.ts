/**
 * @module HTTP: passkeys (API.md "Multi-factor") with a software authenticator as the browser's:
 * registration under a fresh login (options bound to the session, the RP ID and origin from
 * PUBLIC_URL), list, rename, delete, the passkey as a second factor, as a step-up, and passwordless
 * sign-in — on SQLite and PostgreSQL. Security mails through a real SMTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { PASSWORD, PUBLIC_ORIGIN, createTestApp, expectErrorShape, sha256Hex, type Client, type TestApp } from './harness.ts';
import { enrolTotp } from './mfa-helpers.ts';
import type { CreationOptionsJSON, RequestOptionsJSON } from './passkey-authenticator.ts';
import { newAuthenticator, passwordlessLogin, passwordlessOptions, registerPasskey, secondFactorOptions, type PasskeyBody } from './passkey-helpers.ts';
import { decodeMail, startSmtpSink, type SmtpSink } from './password-helpers.ts';

async function sessionOf(t: TestApp, client: Client) {
  return (await t.stores.sessions.findSessionByTokenHash(sha256Hex(client.sessionToken ?? '')))?.session;
}

describe('passkeys over HTTP', () => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ mailer: createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>') });
  });
  afterAll(async () => {
    await t?.dispose();
    await sink?.close();
  });
  const subjectsTo = (email: string) => sink.to(email).map((mail) => /^Subject: (.*)$/m.exec(decodeMail(mail.raw).headers)?.[1]);

  it('registers a passkey: options for this site and user (RP ID from PUBLIC_URL), stored with its key; ten recovery codes and an AAL2 session for the first factor', async () => {
    const client = t.client();
    const user = await client.signUp();
    expect(await sessionOf(t, client)).toMatchObject({ aal: 1, amr: 'pwd' });

    const options = await client.json<CreationOptionsJSON & Record<string, unknown>>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    expect(options.res.status).toBe(200);
    expect(options.body.rp).toEqual({ id: 'localhost', name: 'Portcullis' });
    expect(options.body.user).toEqual({ id: Buffer.from(user.id).toString('base64url'), name: user.email, displayName: user.email });
    expect(options.body.excludeCredentials).toEqual([]);
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });
    expect(options.body.attestation).toBe('none');
    expect(options.body.challenge).toMatch(/^[\w-]{40,}$/);

    const authenticator = newAuthenticator();
    const response = authenticator.create(options.body);
    const registered = await client.json<{ passkey: PasskeyBody; recovery_codes: string[]; csrf_token: string }>('/auth/passkeys/register', {
      method: 'POST',
      json: { response, name: '  Work laptop ' },
      csrf: true,
    });
    expect(registered.res.status).toBe(201);
    expect(registered.body.passkey).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'Work laptop', created: new Date(t.clock.nowMs()).toISOString(), last_used: null });
    expect(registered.body.recovery_codes).toHaveLength(10);
    // The session was raised under a new cookie token, as a confirmed TOTP app raises it.
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, amr: 'pwd,passkey', factorAtMs: t.clock.nowMs() });

    const [stored] = await t.stores.mfa.listPasskeysOfUser(user.id);
    expect(stored).toMatchObject({ credentialId: response.id, counter: 0, transports: ['internal', 'hybrid'], deviceType: 'singleDevice', backedUp: false, name: 'Work laptop' });
    expect(Buffer.from(stored!.publicKey, 'base64url').equals(authenticator.keys[0]!.cosePublicKey)).toBe(true);

    expect((await client.json('/auth/mfa')).body).toEqual({ totp: false, passkeys: [registered.body.passkey], recovery_codes_left: 10 });

    // The same challenge again (a replayed registration) is refused; nothing more is stored.
    const replay = await client.json('/auth/passkeys/register', { method: 'POST', json: { response }, csrf: true });
    expect(replay.res.status).toBe(400);
    expect((await expectErrorShape(new Response(JSON.stringify(replay.body)))).code).toBe('INVALID_INPUT');
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toHaveLength(1);

    // A second passkey: the first is excluded in the options; no new recovery codes.
    const second = await client.json<CreationOptionsJSON>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    expect(second.body.excludeCredentials).toEqual([{ id: response.id, type: 'public-key', transports: ['internal', 'hybrid'] }]);
    expect(() => authenticator.create(second.body)).toThrow(/InvalidStateError/);
    t.clock.advanceMs(1_000);
    const phone = newAuthenticator({ backedUp: true });
    const again = await client.json<{ passkey: PasskeyBody; recovery_codes?: string[] }>('/auth/passkeys/register', {
      method: 'POST',
      json: { response: phone.create(second.body) },
      csrf: true,
    });
    expect(again.res.status).toBe(201);
    expect(again.body.passkey.name).toBe('Passkey');
    expect(again.body.recovery_codes).toBeUndefined();
    expect((await t.stores.mfa.listPasskeysOfUser(user.id)).map((p) => [p.deviceType, p.backedUp])).toEqual([
      ['singleDevice', false],
      ['multiDevice', true],
    ]);

    await t.auth.flush();
    expect(subjectsTo(user.email)).toEqual(['A passkey was added to your account', 'A passkey was added to your account']);
  });

  it('registration needs a fresh login; a stale session is sent to re-authenticate and nothing is stored', async () => {
    const client = t.client();
    const user = await client.signUp();
    t.clock.advanceMs(11 * 60_000);
    const { res, body } = await client.json('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(401);
    expect(body.code).toBe('REAUTH_REQUIRED');
    expect((await t.client().json('/auth/passkeys/register/options', { method: 'POST', json: {} })).res.status).toBe(401);
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toEqual([]);
  });

  it('lists, renames (name checked) and deletes one’s own passkeys; deleting needs a fresh second factor', async () => {
    const client = t.client();
    const user = await client.signUp();
    const { passkey } = await registerPasskey(client, newAuthenticator(), 'Laptop');
    const listed = await client.json<{ passkeys: PasskeyBody[] }>('/auth/passkeys');
    expect(listed.body.passkeys).toEqual([passkey]);

    const renamed = await client.json<{ passkey: PasskeyBody }>(`/auth/passkeys/${passkey.id}`, { method: 'PATCH', json: { name: 'Old laptop' }, csrf: true });
    expect(renamed.res.status).toBe(200);
    expect(renamed.body.passkey).toEqual({ ...passkey, name: 'Old laptop' });
    const { records } = await t.auth.admin.listAudit({ userId: user.id, event: 'mfa.renamed', offset: 0, limit: 5 });
    expect(records.map((r) => r.detail)).toEqual([{ method: 'passkey', name: 'Old laptop' }]);
    for (const name of ['', '   ', 'x'.repeat(65), 'a\u0000b', 42]) {
      const bad = await client.json(`/auth/passkeys/${passkey.id}`, { method: 'PATCH', json: { name }, csrf: true });
      expect(bad.res.status, String(name)).toBe(400);
      expect(bad.body.code).toBe('INVALID_INPUT');
    }
    expect((await t.stores.mfa.listPasskeysOfUser(user.id))[0]?.name).toBe('Old laptop');
    // Without the CSRF token: refused.
    expect((await client.send(`/auth/passkeys/${passkey.id}`, { method: 'PATCH', json: { name: 'X' } })).status).toBe(403);

    // Deleting: the second factor must be recent (the registration proved it just now).
    t.clock.advanceMs(11 * 60_000);
    expect((await client.json(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true })).body.code).toBe('REAUTH_REQUIRED');
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toHaveLength(1);
    const stepUp = await client.json<RequestOptionsJSON>('/auth/mfa/passkey/options', { method: 'POST', json: {}, csrf: true });
    expect(stepUp.res.status).toBe(200);
    expect(stepUp.body.allowCredentials?.map((c) => c.id)).toEqual([(await t.stores.mfa.listPasskeysOfUser(user.id))[0]?.credentialId]);
    t.clock.advanceMs(60_000);
    expect((await client.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true })).status).toBe(401);
  });

  it('deletes after a passkey step-up (/auth/verify, method passkey); the last factor takes the recovery codes with it', async () => {
    const client = t.client();
    const user = await client.signUp();
    const authenticator = newAuthenticator();
    const { passkey } = await registerPasskey(client, authenticator);
    t.clock.advanceMs(11 * 60_000);
    const options = await client.json<RequestOptionsJSON>('/auth/mfa/passkey/options', { method: 'POST', json: {}, csrf: true });
    const verified = await client.json<{ fresh: boolean }>('/auth/verify', { method: 'POST', json: { method: 'passkey', response: authenticator.get(options.body) }, csrf: true });
    expect(verified.res.status).toBe(200);
    expect(verified.body.fresh).toBe(true);
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, factorAtMs: t.clock.nowMs() });
    expect((await client.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true })).status).toBe(204);
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toEqual([]);
    expect((await client.json('/auth/mfa')).body).toEqual({ totp: false, passkeys: [], recovery_codes_left: 0 });
    expect((await client.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true })).status).toBe(404);
    await t.auth.flush();
    expect(subjectsTo(user.email)).toEqual(['A passkey was added to your account', 'A passkey was removed from your account']);
    // Audited: enrolment, the step-up, removal — with the method and the passkey's name, never a key or challenge.
    const { records } = await t.auth.admin.listAudit({ userId: user.id, offset: 0, limit: 50 });
    const mfa = records.filter((r) => r.event.startsWith('mfa.')).map((r) => [r.event, r.detail?.method, r.detail?.name]);
    expect(mfa).toEqual(
      expect.arrayContaining([
        ['mfa.enrolled', 'passkey', 'Passkey'],
        ['mfa.succeeded', 'passkey', undefined],
        ['mfa.removed', 'passkey', 'Passkey'],
      ]),
    );
    const text = JSON.stringify(records);
    expect(text).not.toContain(authenticator.keys[0]!.cosePublicKey.toString('base64url'));
    expect(text).not.toContain(options.body.challenge);
  });

  it('second factor: the password yields the pending step (methods name passkey); the assertion of that user’s passkey makes an AAL2 session', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    const credentialId = authenticator.keys[0]!.credentialId;

    const client = t.client();
    const first = await client.json<{ mfa_required: boolean; methods: string[] }>('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(first.body).toEqual({ mfa_required: true, methods: ['passkey', 'recovery_code'] });
    const options = await secondFactorOptions(client);
    expect(options.res.status).toBe(200);
    expect(options.body.rpId).toBe('localhost');
    expect(options.body.allowCredentials).toEqual([{ id: Buffer.from(credentialId).toString('base64url'), type: 'public-key', transports: ['internal', 'hybrid'] }]);
    expect(options.body.userVerification).toBe('preferred');

    t.clock.advanceMs(1_000);
    const done = await client.json<{ user: { id: string }; csrf_token: string }>('/auth/mfa/verify', {
      method: 'POST',
      json: { method: 'passkey', response: authenticator.get(options.body) },
    });
    expect(done.res.status).toBe(200);
    expect(done.body.user.id).toBe(user.id);
    expect(client.jar.has('portcullis_mfa')).toBe(false);
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, amr: 'pwd,passkey', factorAtMs: t.clock.nowMs() });
    expect((await client.me()).res.status).toBe(200);
    const [stored] = await t.stores.mfa.listPasskeysOfUser(user.id);
    expect(stored).toMatchObject({ counter: 1, lastUsedAtMs: t.clock.nowMs() });
    expect((await owner.json<{ passkeys: PasskeyBody[] }>('/auth/passkeys')).body.passkeys[0]?.last_used).toBe(new Date(t.clock.nowMs()).toISOString());
  });

  it('with TOTP and a passkey, either finishes the sign-in; a one-factor session cannot add a passkey (level 2 needed once a factor exists)', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    // A second browser signed in before TOTP existed: its session is AAL1, fresh by its password.
    const older = t.client();
    expect((await older.login({ email: user.email })).res.status).toBe(200);
    await enrolTotp(t, owner);
    const refused = await older.json('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    expect(refused.res.status).toBe(401);
    expect(refused.body.code).toBe('REAUTH_REQUIRED');
    expect(await t.stores.mfa.listPasskeysOfUser(user.id)).toEqual([]);
    // The owner's session proved TOTP just now: it may.
    await registerPasskey(owner, newAuthenticator());
    expect(await sessionOf(t, owner)).toMatchObject({ aal: 2, amr: 'pwd,otp' });
    const client = t.client();
    const first = await client.json<{ methods: string[] }>('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(first.body.methods).toEqual(['totp', 'passkey', 'recovery_code']);
  });

  it('passwordless: options name no credential and require UV; the assertion signs in like a login, AAL2 at once (amr passkey)', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);

    const client = t.client();
    const options = await passwordlessOptions(client);
    expect(options.allowCredentials).toBeUndefined();
    expect(options.userVerification).toBe('required');
    expect(options.rpId).toBe('localhost');
    expect(client.jar.has('portcullis_pre')).toBe(true);

    const result = await passwordlessLogin(client, authenticator.get(options));
    expect(result.res.status).toBe(200);
    expect(result.body.user).toMatchObject({ id: user.id, email: user.email });
    expect(typeof result.body.csrf_token).toBe('string');
    expect(await sessionOf(t, client)).toMatchObject({ aal: 2, amr: 'passkey', factorAtMs: t.clock.nowMs() });
    expect((await client.me()).body.user?.id).toBe(user.id);
    // The session works for a CSRF-protected action.
    expect((await client.json('/auth/sessions')).res.status).toBe(200);
  });

  it('passwordless goes the way of every first factor: a deactivated account is refused like a bad assertion', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    await t.stores.users.setUserActive(user.id, false, t.clock.nowMs());
    const client = t.client();
    const result = await passwordlessLogin(client, authenticator.get(await passwordlessOptions(client)));
    expect(result.res.status).toBe(401);
    expect(result.body.code).toBe('INVALID_CREDENTIALS');
    expect(client.sessionToken).toBeUndefined();
  });

  it('a browser form can sign in passwordless too (the response as JSON text in a field) and is sent to a safe next', async () => {
    const owner = t.client();
    await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    const client = t.client();
    const options = await passwordlessOptions(client);
    const csrf = await client.pageCsrf('/login');
    const res = await client.postForm('/auth/passkeys/login', { response: JSON.stringify(authenticator.get(options)), next: '/account', csrf_token: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/account/);
    expect(client.sessionToken).toBeDefined();
  });

  it('PUBLIC_URL with an IP address: passkeys are off (WebAuthn refuses an IP as RP ID) and the routes answer 404', async () => {
    const ip = await createTestApp({ publicOrigin: 'http://127.0.0.1:3000' });
    try {
      expect(ip.auth.passkeys.available()).toBe(false);
      const client = ip.client();
      for (const [method, path] of [
        ['POST', '/auth/passkeys/login/options'],
        ['POST', '/auth/passkeys/login'],
        ['POST', '/auth/passkeys/register/options'],
        ['GET', '/auth/passkeys'],
      ] as const) {
        const res = await client.send(`http://127.0.0.1:3000${path}`, { method, ...(method === 'POST' ? { json: {} } : {}) });
        expect(res.status, path).toBe(404);
      }
    } finally {
      await ip.dispose();
    }
    expect(PUBLIC_ORIGIN).toBe('http://localhost:3000');
  });
  it('the account page says what the passkey script did, for its own words only (?passkey=constructor shows nothing)', async () => {
    const owner = t.client();
    await owner.signUp();
    await registerPasskey(owner, newAuthenticator(), 'Laptop');
    const added = await (await owner.send('/account/security?passkey=added', { browser: true })).text();
    expect(added).toContain('Your passkey was added.');
    for (const odd of ['constructor', '__proto__', 'toString', 'nope']) {
      const html = await (await owner.send(`/account/security?passkey=${odd}`, { browser: true })).text();
      expect(html).toContain('Laptop');
      expect(html).not.toContain('id="passkey-notice"');
    }
  });
});
