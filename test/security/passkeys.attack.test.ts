/**
 * @module Attack suite — passkeys (WebAuthn). An assertion is good only for the user, the RP ID
 * and origin of the configuration (never the request's Host), the purpose and binding its
 * challenge was issued for, once; passwordless needs user verification; a counter that goes
 * backwards is a clone; another user's passkey is never found; a pending sign-in reaches none of
 * the management routes; concurrency buys no more evaluations than the budgets. Each refusal is
 * checked with "nothing changed": no session was made, the stored passkeys are as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasskeyRecord } from '../../src/index.ts';
import { PASSWORD, createTestApp, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { pendingSignIn } from '../http/mfa-helpers.ts';
import type { SoftwareAuthenticator } from '../http/passkey-authenticator.ts';
import { newAuthenticator, passwordlessLogin, passwordlessOptions, registerPasskey, secondFactorOptions, type PasskeyBody } from '../http/passkey-helpers.ts';
import { INVALID_CREDENTIALS, sessionCount } from './attack-helpers.ts';

const PENDING_COOKIE = 'portcullis_mfa';
/** The per-client limits are lifted so that the budgets, not the route's rate limit, answer. */
const NO_RATE_LIMIT = { rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } } };

interface Keyed {
  readonly user: PublicUserBody;
  readonly owner: Client;
  readonly authenticator: SoftwareAuthenticator;
  readonly passkey: PasskeyBody;
}

async function keyedUser(t: TestApp, options: Parameters<typeof newAuthenticator>[0] = {}): Promise<Keyed> {
  const owner = t.client();
  const user = await owner.signUp();
  const authenticator = newAuthenticator(options);
  const { passkey } = await registerPasskey(owner, authenticator);
  return { user, owner, authenticator, passkey };
}

const credentialIdOf = (authenticator: SoftwareAuthenticator) => Buffer.from(authenticator.keys[0]!.credentialId).toString('base64url');
const storedPasskeys = (t: TestApp, userId: string): Promise<PasskeyRecord[]> => t.stores.mfa.listPasskeysOfUser(userId);
/** Sessions of the user besides the owner's own (which registered). */
const newSessions = async (t: TestApp, k: Keyed) => (await sessionCount(t, k.user.id)) - 1;

const auditCount = async (t: TestApp, event: string, filter: { userId?: string; reason?: string } = {}) => {
  await t.auth.flush();
  const { records } = await t.stores.audit.listAuditRecords({ event, ...(filter.userId ? { userId: filter.userId } : {}), offset: 0, limit: 5000 });
  return records.filter((r) => filter.reason === undefined || r.reason === filter.reason).length;
};

async function verifyPending(client: Client, response: unknown) {
  return client.json<{ code?: string; user?: { id: string } }>('/auth/mfa/verify', { method: 'POST', json: { method: 'passkey', response } });
}

describe('passkey attacks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMIT);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('an assertion of another user’s passkey at a pending sign-in is refused (the attacker knows the password, holds a passkey of their own)', async () => {
    const victim = await keyedUser(t);
    const attacker = await keyedUser(t);
    const before = await storedPasskeys(t, attacker.user.id);
    const client = await pendingSignIn(t, victim.user.email);
    const options = await secondFactorOptions(client);
    // The attacker's own credential, user handle and all, signed over the victim's challenge.
    const forged = attacker.authenticator.get(options.body, { credentialId: credentialIdOf(attacker.authenticator) });
    const refused = await verifyPending(client, forged);
    expect(refused.res.status).toBe(401);
    expect(refused.body).toEqual(INVALID_CREDENTIALS);
    // And with the victim's user handle pasted in.
    const handled = attacker.authenticator.get(options.body, { credentialId: credentialIdOf(attacker.authenticator), userHandle: Buffer.from(victim.user.id).toString('base64url') });
    expect((await verifyPending(client, handled)).res.status).toBe(401);
    expect(await newSessions(t, victim)).toBe(0);
    expect(await newSessions(t, attacker)).toBe(0);
    expect(await storedPasskeys(t, attacker.user.id)).toEqual(before);
    expect(await auditCount(t, 'mfa.failed', { userId: victim.user.id, reason: 'bad_assertion' })).toBe(2);
    // The victim's own passkey still finishes this pending sign-in.
    const good = await verifyPending(client, victim.authenticator.get((await secondFactorOptions(client)).body));
    expect(good.res.status).toBe(200);
  });

  it('a wrong origin, a wrong RP ID hash, a create-type clientData: refused — and a request to another Host changes nothing (RP from PUBLIC_URL only)', async () => {
    const k = await keyedUser(t);
    const client = await pendingSignIn(t, k.user.email);
    const before = await storedPasskeys(t, k.user.id);
    const cases = [{ origin: 'https://evil.example' }, { origin: 'http://localhost:3001' }, { rpId: 'evil.example' }, { rpId: 'localhost.evil.example' }, { type: 'webauthn.create' }];
    for (const overrides of cases) {
      const options = await secondFactorOptions(client);
      const res = await verifyPending(client, k.authenticator.get(options.body, overrides));
      expect(res.res.status, JSON.stringify(overrides)).toBe(401);
      expect(res.body).toEqual(INVALID_CREDENTIALS);
    }
    // The phisher's host: the request arrives for evil.example, the assertion says evil.example throughout.
    const phished = client.clone();
    const options = await phished.json<{ challenge: string; rpId: string }>('http://evil.example/auth/mfa/passkey/options', { method: 'POST', json: {} });
    expect(options.body.rpId).toBe('localhost');
    const assertion = k.authenticator.get(options.body, { origin: 'http://evil.example', rpId: 'evil.example' });
    const res = await phished.json('http://evil.example/auth/mfa/verify', { method: 'POST', json: { method: 'passkey', response: assertion } });
    expect(res.res.status).toBe(401);
    expect(await newSessions(t, k)).toBe(0);
    // Nothing was used: the counter and last use as they were.
    expect(await storedPasskeys(t, k.user.id)).toEqual(before);
  });

  it('passwordless without user verification is refused; nothing changed, and with UV the same passkey signs in', async () => {
    const k = await keyedUser(t);
    const before = await storedPasskeys(t, k.user.id);
    const client = t.client();
    const refused = await passwordlessLogin(client, k.authenticator.get(await passwordlessOptions(client), { userVerified: false }));
    expect(refused.res.status).toBe(401);
    expect(refused.body).toEqual(INVALID_CREDENTIALS);
    expect(client.sessionToken).toBeUndefined();
    expect(await storedPasskeys(t, k.user.id)).toEqual(before);
    expect(await newSessions(t, k)).toBe(0);
    const ok = await passwordlessLogin(client, k.authenticator.get(await passwordlessOptions(client)));
    expect(ok.res.status).toBe(200);
  });

  it('passwordless: an unknown credential, a bad signature and a missing user handle get the same refusal', async () => {
    const k = await keyedUser(t);
    const stranger = newAuthenticator();
    stranger.create({ challenge: 'x', rp: { id: 'localhost', name: 'x' }, user: { id: Buffer.from(k.user.id).toString('base64url'), name: 'x' } });
    const client = t.client();
    const unknown = await passwordlessLogin(client, stranger.get(await passwordlessOptions(client)));
    const options = await passwordlessOptions(client);
    const good = k.authenticator.get(options);
    const badSignature = { ...good, response: { ...good.response, signature: Buffer.from('not a signature of this').toString('base64url') } };
    const badSig = await passwordlessLogin(client, badSignature);
    const noHandle = await passwordlessLogin(client, k.authenticator.get(await passwordlessOptions(client), { userHandle: null }));
    for (const res of [unknown, badSig, noHandle]) {
      expect(res.res.status).toBe(401);
      expect(res.body).toEqual(INVALID_CREDENTIALS);
    }
    expect(await newSessions(t, k)).toBe(0);
  });

  it('a replayed challenge: the same passwordless response twice signs in once; 20 concurrent uses make one session (an authenticator that does not count)', async () => {
    const k = await keyedUser(t, { counterStep: 0 });
    const client = t.client();
    const response = k.authenticator.get(await passwordlessOptions(client));
    const first = await passwordlessLogin(client.clone(), response);
    expect(first.res.status).toBe(200);
    const again = await passwordlessLogin(client.clone(), response);
    expect(again.res.status).toBe(401);
    expect(await newSessions(t, k)).toBe(1);

    const racer = t.client();
    const raced = k.authenticator.get(await passwordlessOptions(racer));
    const results = await Promise.all(Array.from({ length: 20 }, () => passwordlessLogin(racer.clone(), raced)));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(1);
    // The others: 401 (the challenge is used), or 429 (the client's checks in flight were full).
    expect(results.filter((r) => r.res.status === 401 || r.res.status === 429)).toHaveLength(19);
    expect(await newSessions(t, k)).toBe(2);
  });

  it('a replayed step-up: the same assertion raced 20× at /auth/verify raises the session once; the others are refused', async () => {
    const k = await keyedUser(t, { counterStep: 0 });
    t.clock.advanceMs(11 * 60_000);
    const options = await k.owner.json<{ challenge: string }>('/auth/mfa/passkey/options', { method: 'POST', json: {}, csrf: true });
    const response = k.authenticator.get(options.body);
    const csrf = await k.owner.fetchCsrf();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => k.owner.clone().json('/auth/verify', { method: 'POST', json: { method: 'passkey', response }, csrf })),
    );
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(1);
    // The others are refused: the challenge used (401), or — once the failures spend it — the account budget (429).
    expect(results.filter((r) => r.res.status === 401 || r.res.status === 429)).toHaveLength(19);
    expect(await auditCount(t, 'mfa.succeeded', { userId: k.user.id })).toBe(1);
    expect(await auditCount(t, 'mfa.failed', { userId: k.user.id, reason: 'replayed' })).toBeGreaterThan(0);
  });

  it('a challenge from one pending sign-in is refused at another (and at passwordless); the other still finishes with its own', async () => {
    const k = await keyedUser(t);
    const one = await pendingSignIn(t, k.user.email);
    const two = await pendingSignIn(t, k.user.email);
    const optionsOne = await secondFactorOptions(one);
    const crossed = await verifyPending(two, k.authenticator.get(optionsOne.body));
    expect(crossed.res.status).toBe(401);
    expect(two.jar.has(PENDING_COOKIE)).toBe(true);
    const elsewhere = t.client();
    expect((await passwordlessLogin(elsewhere, k.authenticator.get(optionsOne.body))).res.status).toBe(401);
    // Passwordless options from browser A, the response posted by browser B: another pre-session.
    const a = t.client();
    const b = t.client();
    await passwordlessOptions(b);
    expect((await passwordlessLogin(b, k.authenticator.get(await passwordlessOptions(a)))).res.status).toBe(401);
    expect(await newSessions(t, k)).toBe(0);
    expect((await verifyPending(two, k.authenticator.get((await secondFactorOptions(two)).body))).res.status).toBe(200);
  });

  it('a cloned authenticator: an assertion whose counter went backwards is refused and the stored counter stays', async () => {
    const k = await keyedUser(t);
    for (let i = 0; i < 3; i++) {
      const client = t.client();
      expect((await passwordlessLogin(client, k.authenticator.get(await passwordlessOptions(client)))).res.status).toBe(200);
    }
    const before = await storedPasskeys(t, k.user.id);
    expect(before[0]?.counter).toBe(3);
    const sessions = await sessionCount(t, k.user.id);
    for (const counter of [2, 3]) {
      const clone = t.client();
      const res = await passwordlessLogin(clone, k.authenticator.get(await passwordlessOptions(clone), { counter }));
      expect(res.res.status, `counter ${counter}`).toBe(401);
      const pending = await pendingSignIn(t, k.user.email);
      expect((await verifyPending(pending, k.authenticator.get((await secondFactorOptions(pending)).body, { counter }))).res.status).toBe(401);
    }
    expect(await storedPasskeys(t, k.user.id)).toEqual(before);
    expect(await sessionCount(t, k.user.id)).toBe(sessions);
  });

  it('renaming or deleting another user’s passkey answers 404, and the passkey is unchanged and still signs in', async () => {
    const victim = await keyedUser(t);
    const attacker = t.client();
    await attacker.signUp();
    const before = await storedPasskeys(t, victim.user.id);
    const renamed = await attacker.json(`/auth/passkeys/${victim.passkey.id}`, { method: 'PATCH', json: { name: 'pwned' }, csrf: true });
    expect(renamed.res.status).toBe(404);
    expect(renamed.body.code).toBe('NOT_FOUND');
    // Delete needs a fresh second factor: the attacker has one of their own, just registered.
    await registerPasskey(attacker, newAuthenticator());
    const deleted = await attacker.json(`/auth/passkeys/${victim.passkey.id}`, { method: 'DELETE', csrf: true });
    expect(deleted.res.status).toBe(404);
    expect(await storedPasskeys(t, victim.user.id)).toEqual(before);
    expect((await victim.owner.json<{ passkeys: PasskeyBody[] }>('/auth/passkeys')).body.passkeys).toEqual([victim.passkey]);
    const client = t.client();
    expect((await passwordlessLogin(client, victim.authenticator.get(await passwordlessOptions(client)))).res.status).toBe(200);
  });

  it('a pending sign-in reaches none of the passkey management routes (401) and changes nothing', async () => {
    const k = await keyedUser(t);
    const client = await pendingSignIn(t, k.user.email);
    const csrf = await client.fetchCsrf();
    const before = await storedPasskeys(t, k.user.id);
    const probes: Array<[string, string, unknown]> = [
      ['GET', '/auth/passkeys', undefined],
      ['POST', '/auth/passkeys/register/options', {}],
      ['POST', '/auth/passkeys/register', { response: {} }],
      ['PATCH', `/auth/passkeys/${k.passkey.id}`, { name: 'x' }],
      ['DELETE', `/auth/passkeys/${k.passkey.id}`, undefined],
    ];
    for (const [method, path, json] of probes) {
      const res = await client.send(path, { method, ...(json !== undefined ? { json } : {}), headers: { 'x-csrf-token': csrf } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(await storedPasskeys(t, k.user.id)).toEqual(before);
    expect(await newSessions(t, k)).toBe(0);
  });

  it('1,000 concurrent passkey assertions at one pending sign-in: at most its budget is evaluated, no session, then it is dead', async () => {
    const k = await keyedUser(t);
    const client = await pendingSignIn(t, k.user.email);
    const options = await secondFactorOptions(client);
    const bad = k.authenticator.get(options.body, { origin: 'https://evil.example' });
    const results = await Promise.all(Array.from({ length: 1000 }, () => verifyPending(client.clone(), bad)));
    const evaluated = await auditCount(t, 'mfa.failed', { userId: k.user.id, reason: 'bad_assertion' });
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(t.auth.config.mfa.attemptsPerSignIn);
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(0);
    const late = await verifyPending(client, k.authenticator.get(options.body));
    expect(late.res.status).toBe(401);
    expect(late.body.code).toBe('UNAUTHENTICATED');
    expect(await newSessions(t, k)).toBe(0);
  });

  it('1,000 concurrent passkey assertions across 40 pending sign-ins: at most the account budget is evaluated; then 429', async () => {
    const k = await keyedUser(t);
    const waiting: Client[] = [];
    for (let i = 0; i < 40; i++) waiting.push(await pendingSignIn(t, k.user.email));
    const bad = await Promise.all(waiting.map(async (client) => k.authenticator.get((await secondFactorOptions(client)).body, { rpId: 'evil.example' })));
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => verifyPending(waiting[i % 40]!.clone(), bad[i % 40])));
    expect(await auditCount(t, 'mfa.failed', { userId: k.user.id, reason: 'bad_assertion' })).toBeLessThanOrEqual(t.auth.config.mfa.attemptBudget.count);
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(0);
    const fresh = await pendingSignIn(t, k.user.email);
    const blocked = await verifyPending(fresh, k.authenticator.get((await secondFactorOptions(fresh)).body));
    expect(blocked.res.status).toBe(429);
    expect(await newSessions(t, k)).toBe(0);
    // The MFA budget is not the password's: the password still yields the pending step.
    expect((await t.client().json('/auth/login', { json: { email: k.user.email, password: PASSWORD } })).body.mfa_required).toBe(true);
  });

  it('1,000 concurrent bad passwordless assertions from one client: at most the client budget is evaluated; other clients sign in', async () => {
    const k = await keyedUser(t);
    const attacker = t.client();
    const bad = k.authenticator.get(await passwordlessOptions(attacker), { userVerified: false });
    const results = await Promise.all(Array.from({ length: 1000 }, () => passwordlessLogin(attacker.clone(), bad)));
    const evaluated = await auditCount(t, 'login.failed', { reason: 'bad_assertion' });
    expect(evaluated).toBeLessThanOrEqual(t.auth.config.lockout.ipFailureBudget.count * 4);
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(0);
    expect(results.filter((r) => r.res.status === 429).length).toBeGreaterThan(0);
    const other = t.client();
    expect((await passwordlessLogin(other, k.authenticator.get(await passwordlessOptions(other)))).res.status).toBe(200);
    expect(await newSessions(t, k)).toBe(1);
  });

  it('registration: a challenge of another session, a wrong origin or RP ID, or a credential id already registered is refused and stores nothing', async () => {
    const k = await keyedUser(t);
    const other = t.client();
    const otherUser = await other.signUp();
    const otherOptions = await other.json<{ challenge: string; rp: { id: string; name: string }; user: { id: string; name: string } }>('/auth/passkeys/register/options', {
      method: 'POST',
      json: {},
      csrf: true,
    });
    const authenticator = newAuthenticator();
    // The other session's options, answered and posted on k's session.
    const crossed = await k.owner.json('/auth/passkeys/register', { method: 'POST', json: { response: authenticator.create(otherOptions.body) }, csrf: true });
    expect(crossed.res.status).toBe(400);
    for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const options = await other.json<typeof otherOptions.body>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
      const res = await other.json('/auth/passkeys/register', { method: 'POST', json: { response: newAuthenticator().create(options.body, overrides) }, csrf: true });
      expect(res.res.status, JSON.stringify(overrides)).toBe(400);
    }
    // A response naming k's credential id over another attested credential: refused.
    const options = await other.json<typeof otherOptions.body>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    const copy = newAuthenticator().create(options.body);
    const stolenId = credentialIdOf(k.authenticator);
    const renamed = await other.json('/auth/passkeys/register', { method: 'POST', json: { response: { ...copy, id: stolenId, rawId: stolenId } }, csrf: true });
    expect(renamed.res.status).toBe(400);
    // k's very key attested again on another account (a copied credential): refused, the credential id is taken.
    const again = await other.json<typeof otherOptions.body>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    const duplicate = await other.json('/auth/passkeys/register', {
      method: 'POST',
      json: { response: newAuthenticator().create(again.body, { existingKey: k.authenticator.keys[0]! }) },
      csrf: true,
    });
    expect(duplicate.res.status).toBe(400);
    expect(duplicate.body.fields).toEqual({ response: 'This passkey is registered already.' });
    expect(await storedPasskeys(t, otherUser.id)).toEqual([]);
    expect(await storedPasskeys(t, k.user.id)).toHaveLength(1);
  });
});
