import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicUserBody } from './harness.ts';
import { CALLBACK_PATH, continuedTo, createSocialApp, providerAccount, signInAtProvider, socialSignIn, startAt, type SocialSetup } from '../social/harness.ts';
import { createTestApp, uniqueEmail } from './harness.ts';

let s: SocialSetup;
beforeAll(async () => {
  s = await createSocialApp();
});
afterAll(async () => {
  await s?.dispose();
});

async function me(client: ReturnType<SocialSetup['t']['client']>): Promise<PublicUserBody | null> {
  const res = await client.send('/auth/me');
  return res.status === 200 ? ((await res.json()) as { user: PublicUserBody }).user : null;
}

describe('social sign-in with a real OpenID Connect provider', () => {
  it('starts with the authorization code flow: PKCE S256, state and nonce, bound to a flow cookie that names nothing secret in the URL', async () => {
    const client = s.t.client();
    const location = new URL(await startAt(client, 'corp', '/docs'));
    expect(location.origin).toBe(s.op.issuer);
    const q = location.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(s.op.clientId);
    expect(q.get('redirect_uri')).toBe(`http://localhost:3000${CALLBACK_PATH}`);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')).toMatch(/^[\w-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.has('login_hint')).toBe(false);
    expect(client.jar.get('portcullis_oauth')).toBeDefined();
  });

  it('does not forward a caller-supplied login_hint or prompt to the provider', async () => {
    const client = s.t.client();
    const res = await client.send('/auth/oauth/corp?login_hint=victim%40example.com&prompt=none&next=/docs', { browser: true });
    const q = new URL(res.headers.get('location') ?? '').searchParams;
    expect(q.has('login_hint')).toBe(false);
    expect(q.has('prompt')).toBe(false);
  });

  it('answers 404 for a provider that is not configured', async () => {
    const res = await s.t.client().send('/auth/oauth/nowhere', { browser: true });
    expect(res.status).toBe(404);
  });

  it('creates a user for a new (issuer, subject) with an unused e-mail, signs in, and lands on the safe next page', async () => {
    const email = uniqueEmail('social');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const before = await s.t.userCount();
    const res = await socialSignIn(client, subject, { next: '/docs' });
    expect(await continuedTo(res)).toBe('/docs');
    expect(client.jar.has('portcullis_oauth')).toBe(false);
    const user = await me(client);
    expect(user?.email).toBe(email);
    expect(await s.t.userCount()).toBe(before + 1);
    const identity = await s.t.stores.identities.findIdentity(s.op.issuer, subject);
    expect(identity).toMatchObject({ userId: user?.id, provider: 'corp', email, emailVerified: true });
  });

  it('signs the same provider account in to the same user next time, with a new session', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('again'), email_verified: true });
    const first = s.t.client();
    await socialSignIn(first, subject);
    const firstUser = await me(first);
    const before = await s.t.userCount();
    const second = s.t.client();
    const res = await socialSignIn(second, subject);
    expect(await continuedTo(res)).toBe('/');
    expect((await me(second))?.id).toBe(firstUser?.id);
    expect(second.sessionToken).not.toBe(first.sessionToken);
    expect(await s.t.userCount()).toBe(before);
  });

  it('creates no account when the provider shares no e-mail, and says so on a page', async () => {
    const subject = providerAccount(s.op, {});
    const client = s.t.client();
    const before = await s.t.userCount();
    const res = await socialSignIn(client, subject);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('did not work');
    expect(await s.t.userCount()).toBe(before);
    expect(await s.t.stores.identities.findIdentity(s.op.issuer, subject)).toBeUndefined();
  });

  it('shows a friendly page when the user cancels at the provider, and signs nobody in', async () => {
    const client = s.t.client();
    const location = await startAt(client);
    const { ProviderBrowser } = await import('../social/provider.ts');
    const callback = await new ProviderBrowser().authorize(location, 'whoever', 'http://localhost:3000', { abort: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const res = await client.send(callback.pathname + callback.search, { browser: true });
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).toContain('did not work');
    expect(page).not.toContain('End-User aborted');
    expect(client.sessionToken).toBeUndefined();
  });

  it('answers JSON clients with the documented code', async () => {
    const client = s.t.client();
    const location = await startAt(client);
    const subject = providerAccount(s.op, {});
    const callback = await signInAtProvider(location, subject);
    const res = await client.send(callback.pathname + callback.search);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Signing in with the provider did not work. Please try again.', code: 'SOCIAL_SIGNIN_FAILED' });
  });
});

describe('a provider that cannot be reached', () => {
  it('answers 503 at the start and the friendly page at a callback, never a 500, and stores nothing', async () => {
    // A port nothing listens on: discovery fails.
    const t = await createTestApp({ oauth: { providers: { down: { clientId: 'x', clientSecret: 'y', issuer: 'http://127.0.0.1:9' } } } });
    try {
      const client = t.client();
      const before = await t.userCount();
      const start = await client.send('/auth/oauth/down', { browser: true });
      expect(start.status).toBe(503);
      expect(start.headers.get('retry-after')).not.toBeNull();
      const callback = await client.send('/auth/oauth/down/callback?code=abc&state=def', { browser: true });
      expect(callback.status).toBe(401);
      expect(await t.userCount()).toBe(before);
    } finally {
      await t.dispose();
    }
  });
});

describe('where the callback sends the browser on', () => {
  it('with the default Strict session cookie: a page of ours that navigates on (no script), to the judged next only', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('page'), email_verified: true });
    const res = await socialSignIn(s.t.client(), subject, { next: '/docs?a=1&b="x"' });
    expect(res.status).toBe(200);
    const page = await res.text();
    // The target HTML-escaped in the attribute: it cannot end it.
    expect(page).toContain('<meta http-equiv="refresh" content="0;url=/docs?a=1&#38;b=&#34;x&#34;">');
    expect(await continuedTo(new Response(page, { status: 200, headers: { 'content-type': 'text/html' } }))).toBe('/docs?a=1&b="x"');
    expect(page).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
    expect(res.headers.get('cache-control')).toContain('no-store');
  });

  it('with SESSION_SAMESITE=Lax: the 303 of API.md', async () => {
    const lax = await createSocialApp({ session: { sameSite: 'Lax' } });
    try {
      const subject = providerAccount(lax.op, { email: uniqueEmail('lax'), email_verified: true });
      const res = await socialSignIn(lax.t.client(), subject, { next: '/docs' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/docs');
    } finally {
      await lax.dispose();
    }
  });
});

describe('a user with a second factor', () => {
  it('signs in with the provider only to the second-factor step: no session until the code, then one', async () => {
    const { enrolTotp, totpCode } = await import('./mfa-helpers.ts');
    const subject = providerAccount(s.op, { email: uniqueEmail('mfa'), email_verified: true });
    const first = s.t.client();
    await socialSignIn(first, subject);
    const { secret } = await enrolTotp(s.t, first);

    const client = s.t.client();
    const sessionsBefore = (await s.t.stores.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n;
    const res = await socialSignIn(client, subject, { next: '/docs', browser: true });
    expect(res.status).toBe(200);
    expect(await continuedTo(res)).toBe('/login/second-factor?next=%2Fdocs');
    expect(client.sessionToken).toBeUndefined();
    expect((await client.send('/auth/me')).status).toBe(401);
    expect((await s.t.stores.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n).toBe(sessionsBefore);

    const verified = await client.json<{ user: { email: string } }>('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(s.t, secret) } });
    expect(verified.res.status).toBe(200);
    expect((await client.send('/auth/me')).status).toBe(200);
  });

  it('answers JSON callers with mfa_required and the methods', async () => {
    const { enrolTotp } = await import('./mfa-helpers.ts');
    const subject = providerAccount(s.op, { email: uniqueEmail('mfajson'), email_verified: true });
    const first = s.t.client();
    await socialSignIn(first, subject);
    await enrolTotp(s.t, first);
    const client = s.t.client();
    const res = await socialSignIn(client, subject, { browser: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ mfa_required: true, methods: expect.arrayContaining(['totp']) });
    expect(client.sessionToken).toBeUndefined();
  });
});
