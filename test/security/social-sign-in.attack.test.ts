/**
 * Attacks on social sign-in, against a real OpenID Connect provider (oidc-provider on loopback).
 * Each asserts the refusal AND that nothing changed: no user, no identity, no session.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderBrowser } from '../social/provider.ts';
import { CALLBACK_PATH, continuedTo, createSocialApp, providerAccount, signInAtProvider, socialSignIn, startAt, type SocialSetup } from '../social/harness.ts';
import { PUBLIC_ORIGIN, nextIp, uniqueEmail, type Client } from '../http/harness.ts';

let s: SocialSetup;
beforeAll(async () => {
  s = await createSocialApp();
});
afterAll(async () => {
  await s?.dispose();
});
afterEach(() => {
  s.tamper = undefined;
});

const pathOf = (url: URL) => url.pathname + url.search;

async function failuresFor(reason: string): Promise<number> {
  await s.t.auth.flush();
  const { records } = await s.t.auth.admin.listAudit({ event: 'oauth.failed', offset: 0, limit: 500 });
  return records.filter((record) => record.reason === reason).length;
}

/** A callback refused with the one friendly page, and nothing stored. */
async function expectRefused(client: Client, callback: URL, before: Awaited<ReturnType<SocialSetup['snapshot']>>, reason: string, status = 401): Promise<void> {
  const prior = await failuresFor(reason);
  const res = await client.send(pathOf(callback), { browser: true });
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('location')).toBeNull();
  expect(client.sessionToken).toBeUndefined();
  expect((await client.send('/auth/me')).status).toBe(401);
  expect(await s.snapshot()).toEqual(before);
  // Refused for this reason (the audit trail has it), not by some other check that happens to fail.
  expect(await failuresFor(reason)).toBe(prior + 1);
}

describe('social sign-in callback attacks', () => {
  it('refuses a state from another provider at this provider\'s callback', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('mixup'), email_verified: true });
    const client = s.t.client();
    // The flow cookie was made for `other`; the provider's answer is delivered to `corp`'s callback.
    const location = await startAt(client, 'other');
    const answer = await signInAtProvider(location, subject);
    const forged = new URL(CALLBACK_PATH + answer.search, PUBLIC_ORIGIN);
    await expectRefused(client, forged, await s.snapshot(), 'provider_mismatch');
  });

  it('refuses a replayed callback (same flow cookie, same state), and of concurrent ones only one signs in', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('replay'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    const copies = Array.from({ length: 5 }, () => client.clone({ ip: client.ip }));
    const results = await Promise.all(copies.map((copy) => copy.send(pathOf(callback), { browser: true })));
    expect(results.map((res) => res.status).sort()).toEqual([200, 401, 401, 401, 401]);
    expect(copies.filter((copy) => copy.sessionToken !== undefined)).toHaveLength(1);
    const before = await s.snapshot();
    // From elsewhere, so that the per-client rate limit (spent above) is not what refuses it.
    const again = client.clone({ ip: nextIp() });
    await expectRefused(again, callback, before, 'state_replayed');
  });

  it('refuses a callback whose state does not match the flow cookie', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('state'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    callback.searchParams.set('state', 'A'.repeat(43));
    await expectRefused(client, callback, await s.snapshot(), 'state_mismatch');
  });

  it('refuses a changed flow cookie (a verifier or provider of the attacker\'s choosing)', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('cookie'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    const [body = '', mac = ''] = (client.jar.get('portcullis_oauth') ?? '').split('.');
    const flow = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    client.jar.set('portcullis_oauth', `${Buffer.from(JSON.stringify({ ...flow, codeVerifier: 'x'.repeat(43) })).toString('base64url')}.${mac}`);
    await expectRefused(client, callback, await s.snapshot(), 'flow_missing');
  });

  it('login CSRF: a code from the attacker\'s own sign-in, delivered to the victim\'s browser, signs the victim in to nothing', async () => {
    const attackerSubject = providerAccount(s.op, { email: uniqueEmail('attacker'), email_verified: true });
    const attacker = s.t.client();
    const attackersCallback = await signInAtProvider(await startAt(attacker), attackerSubject);
    // The victim's browser: no flow at all, or a flow of its own.
    const victim = s.t.client();
    await expectRefused(victim, attackersCallback, await s.snapshot(), 'flow_missing');
    const busyVictim = s.t.client();
    await startAt(busyVictim);
    await expectRefused(busyVictim, attackersCallback, await s.snapshot(), 'state_mismatch');
  });

  it('code injection: a victim\'s code in the attacker\'s flow fails PKCE at the provider (wrong verifier)', async () => {
    const victimSubject = providerAccount(s.op, { email: uniqueEmail('victim'), email_verified: true });
    const victim = s.t.client();
    const stolen = await signInAtProvider(await startAt(victim), victimSubject);
    const attacker = s.t.client();
    const attackerLocation = new URL(await startAt(attacker));
    const injected = new URL(stolen);
    injected.searchParams.set('state', attackerLocation.searchParams.get('state') ?? '');
    await expectRefused(attacker, injected, await s.snapshot(), 'token_rejected');
  });

  it('refuses a callback with a hostile or missing code, and a provider error, without a 500', async () => {
    for (const query of ['code=', 'code=%00', `code=${'x'.repeat(5000)}`, 'error=server_error&error_description=%3Cscript%3E']) {
      const client = s.t.client();
      const location = new URL(await startAt(client));
      const callback = new URL(`${CALLBACK_PATH}?${query}&state=${location.searchParams.get('state')}`, PUBLIC_ORIGIN);
      const res = await client.send(pathOf(callback), { browser: true });
      expect([400, 401]).toContain(res.status);
      expect(await res.text()).not.toContain('<script>');
      expect(client.sessionToken).toBeUndefined();
    }
  });
});

describe('ID token checks (a token signed with the provider\'s own key, one thing wrong)', () => {
  const reSign = (change: (claims: Record<string, unknown>) => Record<string, unknown>) => (claims: Record<string, unknown>, op: SocialSetup['op']) => op.sign(change(claims));

  it.each([
    ['a wrong nonce', reSign((c) => ({ ...c, nonce: 'n'.repeat(43) }))],
    ['another audience', reSign((c) => ({ ...c, aud: 'someone-else' }))],
    ['another issuer', reSign((c) => ({ ...c, iss: 'https://evil.example' }))],
    ['an expired token', reSign((c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }))],
  ])('refuses %s', async (_name, tamper) => {
    const subject = providerAccount(s.op, { email: uniqueEmail('idt'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    s.tamper = tamper;
    await expectRefused(client, callback, await s.snapshot(), 'id_token_invalid');
  });

  it('refuses alg "none"', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('none'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    s.tamper = async (claims) => {
      const part = (value: object) => base64url.encode(JSON.stringify(value));
      return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, sub: 'forged-admin' })}.`;
    };
    await expectRefused(client, callback, await s.snapshot(), 'id_token_invalid');
  });

  it('refuses HS256 signed with the provider\'s public key as the secret', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('hs256'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    s.tamper = async (claims, op) =>
      new SignJWT({ ...claims, sub: 'forged-admin' })
        .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1', typ: 'JWT' })
        .sign(new TextEncoder().encode(JSON.stringify(op.publicJwk)));
    await expectRefused(client, callback, await s.snapshot(), 'id_token_invalid');
  });
});

describe('linking rules', () => {
  it('never links an e-mail an account holds: 409, the account untouched, no identity, no session', async () => {
    const owner = s.t.client();
    const account = await owner.signUp();
    const subject = providerAccount(s.op, { email: account.email, email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    const before = await s.snapshot();
    const res = await client.send(pathOf(callback), { browser: true });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Sign in to it first');
    expect(client.sessionToken).toBeUndefined();
    expect(await s.snapshot()).toEqual(before);
    expect(await s.t.stores.identities.listIdentitiesOfUser(account.id)).toEqual([]);
  });

  it('confirms a new account\'s address only for email_verified === true (boolean)', async () => {
    for (const [claim, confirmed] of [[true, true], ['true', false], ['false', false], [undefined, false]] as const) {
      const email = uniqueEmail('verified');
      const subject = providerAccount(s.op, claim === undefined ? { email } : { email, email_verified: claim });
      const res = await socialSignIn(s.t.client(), subject);
      expect(res.status).toBe(200);
      const user = await s.t.stores.users.findUserByEmailKey(email.toLowerCase());
      expect(user?.emailConfirmedAtMs !== null, `email_verified: ${JSON.stringify(claim)}`).toBe(confirmed);
      expect((await s.t.stores.identities.findIdentity(s.op.issuer, subject))?.emailVerified).toBe(confirmed);
    }
  });

  it('carries next through the provider and judges it again: a hostile next lands on the default page', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/%2F%2Fevil.example', 'javascript:alert(1)']) {
      const subject = providerAccount(s.op, { email: uniqueEmail('next'), email_verified: true });
      const client = s.t.client();
      const location = new URL(await startAt(client, 'corp', next));
      expect(location.href).not.toContain('evil');
      const callback = await signInAtProvider(location.href, subject);
      const res = await client.send(pathOf(callback), { browser: true });
      expect(await continuedTo(res)).toBe('/');
    }
  });

  it('puts the callback under the login rate limit', async () => {
    const client = s.t.client();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await client.send(`${CALLBACK_PATH}?code=x&state=y`, { browser: true })).status);
    expect(statuses.slice(0, 5).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('accounts', () => {
  it('refuses a deactivated account\'s provider identity, and makes no session', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('inactive'), email_verified: true });
    expect((await socialSignIn(s.t.client(), subject)).status).toBe(200);
    const identity = await s.t.stores.identities.findIdentity(s.op.issuer, subject);
    await s.t.stores.users.setUserActive(identity?.userId ?? '', false, Date.now());
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    await expectRefused(client, callback, await s.snapshot(), 'inactive');
  });

  it('two first sign-ins of one new provider account at once make one user and one identity', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('twice'), email_verified: true });
    const clients = [s.t.client(), s.t.client()];
    const callbacks = await Promise.all(clients.map(async (client) => signInAtProvider(await startAt(client), subject)));
    const before = await s.snapshot();
    const results = await Promise.all(clients.map((client, i) => client.send(pathOf(callbacks[i] as URL), { browser: true })));
    expect(results.map((res) => res.status)).toEqual([200, 200]);
    const after = await s.snapshot();
    expect(after.users).toBe(before.users + 1);
    expect(after.identities).toBe(before.identities + 1);
    const ids = await Promise.all(clients.map(async (client) => (await client.me()).body.user?.id));
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });
});

describe('OAUTH_AUTOLINK=verified', () => {
  let v: SocialSetup;
  beforeAll(async () => {
    v = await createSocialApp({ autolink: 'verified' });
  });
  afterAll(async () => {
    await v?.dispose();
  });

  it('links only when the provider says email_verified: true AND the account\'s address is confirmed', async () => {
    const owner = v.t.client();
    const account = await owner.signUp();
    const stored = await v.t.stores.users.findUserById(account.id);
    if (stored?.emailConfirmedAtMs === null) await v.t.stores.users.confirmEmail(account.id, stored.emailKey, Date.now());
    for (const claim of ['true', 'false', undefined]) {
      const subject = providerAccount(v.op, claim === undefined ? { email: account.email } : { email: account.email, email_verified: claim });
      const client = v.t.client();
      const callback = await signInAtProvider(await startAt(client), subject, new ProviderBrowser());
      const before = await v.snapshot();
      const res = await client.send(pathOf(callback), { browser: true });
      expect(res.status, `email_verified: ${JSON.stringify(claim)}`).toBe(409);
      expect(await v.snapshot()).toEqual(before);
    }
    const subject = providerAccount(v.op, { email: account.email, email_verified: true });
    const client = v.t.client();
    const res = await socialSignIn(client, subject);
    expect(res.status).toBe(200);
    expect((await client.me()).body.user?.id).toBe(account.id);
  });

  it('does not link to an account whose own address is unconfirmed', async () => {
    const email = uniqueEmail('unconfirmed');
    const tag = randomBytes(8).toString('hex');
    await v.t.stores.users.createUser({
      id: `u-${tag}`,
      email,
      emailKey: email.toLowerCase(),
      username: null,
      usernameKey: null,
      passwordHash: 'imported-elsewhere',
      uniquifier: tag,
      nowMs: Date.now(),
      emailConfirmedAtMs: null,
    });
    const subject = providerAccount(v.op, { email, email_verified: true });
    const client = v.t.client();
    const callback = await signInAtProvider(await startAt(client), subject);
    const before = await v.snapshot();
    expect((await client.send(pathOf(callback), { browser: true })).status).toBe(409);
    expect(await v.snapshot()).toEqual(before);
  });
});
