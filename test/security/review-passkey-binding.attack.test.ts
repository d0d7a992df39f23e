/**
 * @module Independent review (session 7) — passkey challenge binding through the real routes, the
 * crossings the feature's own suite does not try: a passwordless challenge at a pending sign-in or
 * a step-up, a registration challenge in an assertion, a step-up challenge carried over a sign-out
 * and sign-in, another user's passkey at a step-up, another user's handle on one's own credential.
 * Each refusal: no session made, the stored passkeys unchanged, and the good path still works.
 * These pass (no bug found).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { pendingSignIn } from '../http/mfa-helpers.ts';
import type { CreationOptionsJSON, SoftwareAuthenticator } from '../http/passkey-authenticator.ts';
import { newAuthenticator, passwordlessLogin, passwordlessOptions, registerPasskey, secondFactorOptions } from '../http/passkey-helpers.ts';
import { sessionCount } from './attack-helpers.ts';

const NO_RATE_LIMIT = { rateLimits: { login: { count: 1_000_000, windowMs: 60_000 } } };

interface Keyed {
  readonly user: PublicUserBody;
  readonly owner: Client;
  readonly authenticator: SoftwareAuthenticator;
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_RATE_LIMIT);
});
afterAll(async () => {
  await t?.dispose();
});

async function keyedUser(): Promise<Keyed> {
  const owner = t.client();
  const user = await owner.signUp();
  const authenticator = newAuthenticator({ counterStep: 0 });
  await registerPasskey(owner, authenticator);
  return { user, owner, authenticator };
}

const stored = (userId: string) => t.stores.mfa.listPasskeysOfUser(userId);
const credentialIdOf = (a: SoftwareAuthenticator) => Buffer.from(a.keys[0]!.credentialId).toString('base64url');

function verifyPending(client: Client, response: unknown) {
  return client.json<{ code?: string }>('/auth/mfa/verify', { method: 'POST', json: { method: 'passkey', response } });
}

async function stepUpOptions(client: Client) {
  const options = await client.json<{ challenge: string; allowCredentials?: { id: string }[] }>('/auth/mfa/passkey/options', {
    method: 'POST',
    json: {},
    csrf: true,
  });
  expect(options.res.status).toBe(200);
  return options.body;
}

function stepUp(client: Client, response: unknown) {
  return client.json<{ code?: string }>('/auth/verify', { method: 'POST', json: { method: 'passkey', response }, csrf: true });
}

describe('review: passkey challenges cross no purpose, session or user', () => {
  it('a passwordless challenge is refused at a pending sign-in and at a step-up', async () => {
    const k = await keyedUser();
    const before = await stored(k.user.id);
    const sessions = await sessionCount(t, k.user.id);
    const pending = await pendingSignIn(t, k.user.email);
    // The pending browser asks for passwordless options itself (same browser, its own pre-session).
    const passwordless = await passwordlessOptions(pending);
    const crossed = k.authenticator.get({ ...(await secondFactorOptions(pending)).body, challenge: passwordless.challenge });
    expect((await verifyPending(pending, crossed)).res.status).toBe(401);
    expect(await sessionCount(t, k.user.id)).toBe(sessions);
    expect(await stored(k.user.id)).toEqual(before);
    // The right challenge still finishes the pending sign-in.
    expect((await verifyPending(pending, k.authenticator.get((await secondFactorOptions(pending)).body))).res.status).toBe(200);

    t.clock.advanceMs(11 * 60_000);
    const ownerPasswordless = await passwordlessOptions(k.owner);
    expect((await stepUp(k.owner, k.authenticator.get({ challenge: ownerPasswordless.challenge }))).res.status).toBe(401);
    expect((await k.owner.send('/auth/mfa/recovery-codes', { method: 'POST', json: {}, csrf: true })).status).toBe(401);
    expect((await stepUp(k.owner, k.authenticator.get(await stepUpOptions(k.owner)))).res.status).toBe(200);
  });

  it('a registration challenge (of this very session) is refused in an assertion: at the step-up and at passwordless', async () => {
    const k = await keyedUser();
    const creation = await k.owner.json<CreationOptionsJSON>('/auth/passkeys/register/options', { method: 'POST', json: {}, csrf: true });
    expect(creation.res.status).toBe(200);
    const challenge = creation.body.challenge;
    t.clock.advanceMs(11 * 60_000);
    expect((await stepUp(k.owner, k.authenticator.get({ challenge }))).res.status).toBe(401);
    const elsewhere = t.client();
    await passwordlessOptions(elsewhere);
    expect((await passwordlessLogin(elsewhere, k.authenticator.get({ challenge }))).res.status).toBe(401);
    expect(elsewhere.sessionToken).toBeUndefined();
  });

  it('a step-up challenge issued before a sign-out is refused on the next session of the same browser', async () => {
    const k = await keyedUser();
    t.clock.advanceMs(11 * 60_000);
    const old = await stepUpOptions(k.owner);
    expect((await k.owner.logout()).status).toBeLessThan(400);
    // Signed in again (password, then the passkey second factor) — a new session.
    const again = await pendingSignIn(t, k.user.email);
    expect((await verifyPending(again, k.authenticator.get((await secondFactorOptions(again)).body))).res.status).toBe(200);
    t.clock.advanceMs(11 * 60_000);
    expect((await stepUp(again, k.authenticator.get(old))).res.status).toBe(401);
    expect((await stepUp(again, k.authenticator.get(await stepUpOptions(again)))).res.status).toBe(200);
  });

  it("another user's passkey at my step-up is refused (their credential over my session's challenge, with or without my user handle)", async () => {
    const me = await keyedUser();
    const other = await keyedUser();
    t.clock.advanceMs(11 * 60_000);
    const options = await stepUpOptions(me.owner);
    const forged = other.authenticator.get(options, { credentialId: credentialIdOf(other.authenticator) });
    expect((await stepUp(me.owner, forged)).res.status).toBe(401);
    const handled = other.authenticator.get(await stepUpOptions(me.owner), {
      credentialId: credentialIdOf(other.authenticator),
      userHandle: Buffer.from(me.user.id).toString('base64url'),
    });
    expect((await stepUp(me.owner, handled)).res.status).toBe(401);
    // Still stale: a level-2 route refuses; my own passkey raises it.
    expect((await me.owner.send('/auth/mfa/recovery-codes', { method: 'POST', json: {}, csrf: true })).status).toBe(401);
    expect((await stepUp(me.owner, me.authenticator.get(await stepUpOptions(me.owner)))).res.status).toBe(200);
  });

  it("passwordless: my credential with another user's handle is refused and signs in as nobody", async () => {
    const me = await keyedUser();
    const victim = await keyedUser();
    const victimSessions = await sessionCount(t, victim.user.id);
    const client = t.client();
    const response = me.authenticator.get(await passwordlessOptions(client), {
      userHandle: Buffer.from(victim.user.id).toString('base64url'),
    });
    const refused = await passwordlessLogin(client, response);
    expect(refused.res.status).toBe(401);
    expect(client.sessionToken).toBeUndefined();
    expect(await sessionCount(t, victim.user.id)).toBe(victimSessions);
    const good = await passwordlessLogin(client, me.authenticator.get(await passwordlessOptions(client)));
    expect(good.res.status).toBe(200);
    expect(good.body.user?.id).toBe(me.user.id);
  });
});
