/**
 * Social sign-in with a provider that answers by form_post (the Apple preset, pointed at the real
 * test provider, which then renders its auto-submitting form page): the cross-site POST carries no
 * cookie of ours, a page of ours navigates on to the continuation, and that same-site GET — with
 * the browser's flow cookie — signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicUserBody } from './harness.ts';
import { PUBLIC_ORIGIN, uniqueEmail } from './harness.ts';
import {
  FORM_POST_CALLBACK_PATH,
  FORM_POST_PROVIDER,
  answerAtProvider,
  continuedTo,
  createSocialApp,
  formPostSignIn,
  postAnswer,
  providerAccount,
  startAt,
  type SocialSetup,
} from '../social/harness.ts';

let s: SocialSetup;
beforeAll(async () => {
  s = await createSocialApp({ formPost: true });
});
afterAll(async () => {
  await s?.dispose();
});

async function me(client: ReturnType<SocialSetup['t']['client']>): Promise<PublicUserBody | null> {
  const res = await client.send('/auth/me');
  return res.status === 200 ? ((await res.json()) as { user: PublicUserBody }).user : null;
}

describe('social sign-in by form_post (Sign in with Apple)', () => {
  it('asks the provider for response_mode=form_post (the Apple preset asks for e-mail), and the query providers still by query', async () => {
    const apple = new URL(await startAt(s.t.client(), FORM_POST_PROVIDER)).searchParams;
    expect(apple.get('response_mode')).toBe('form_post');
    expect(apple.get('scope')).toBe('openid email');
    expect(apple.get('redirect_uri')).toBe(`${PUBLIC_ORIGIN}${FORM_POST_CALLBACK_PATH}`);
    const corp = new URL(await startAt(s.t.client(), 'corp')).searchParams;
    expect(corp.has('response_mode')).toBe(false);
  });

  it('signs a new person in: the cross-site POST gets a page of ours that navigates on, with no code in its URL, and the continuation signs in', async () => {
    const email = uniqueEmail('apple');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const before = await s.snapshot();
    const { action, fields } = await answerAtProvider(client, subject, { next: '/docs' });
    expect(action.href).toBe(`${PUBLIC_ORIGIN}${FORM_POST_CALLBACK_PATH}`);
    expect(fields.code).toBeTruthy();
    const posted = await postAnswer(client, action, fields, { issuer: s.op.issuer });
    expect(posted.status).toBe(200);
    // The POST reads no cookie and sets none; nothing is stored yet.
    expect(posted.headers.getSetCookie()).toEqual([]);
    expect(await s.snapshot()).toEqual(before);
    const continuation = (await continuedTo(posted)) ?? '';
    expect(continuation).toMatch(new RegExp(`^${FORM_POST_CALLBACK_PATH}/continue\\?handle=[\\w-]+$`));
    expect(continuation).not.toContain(fields.code);
    expect(await posted.text()).not.toContain(fields.code);

    const res = await client.send(continuation, { browser: true });
    expect(await continuedTo(res)).toBe('/docs');
    expect(client.jar.has('portcullis_oauth')).toBe(false);
    expect((await me(client))?.email).toBe(email);
    expect(await s.snapshot()).toEqual({ users: before.users + 1, identities: before.identities + 1, sessions: before.sessions + 1 });
  });

  it("takes Apple's first-sign-in `user` JSON without trusting it: the account's e-mail is the verified ID token's", async () => {
    const email = uniqueEmail('apple-user');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const { action, fields } = await answerAtProvider(client, subject);
    const user = JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'someone-else@example.com' });
    const posted = await postAnswer(client, action, { ...fields, user });
    const res = await client.send((await continuedTo(posted)) ?? '', { browser: true });
    expect(await continuedTo(res)).toBe(s.t.auth.config.pages.afterLogin);
    expect((await me(client))?.email).toBe(email);
  });

  it('signs a returning person in to the same account', async () => {
    const email = uniqueEmail('apple-again');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const first = s.t.client();
    await formPostSignIn(first, subject);
    const id = (await me(first))?.id;
    expect(id).toBeDefined();
    const before = await s.snapshot();
    const again = s.t.client();
    const res = await formPostSignIn(again, subject);
    expect(await continuedTo(res)).toBe(s.t.auth.config.pages.afterLogin);
    expect((await me(again))?.id).toBe(id);
    expect(await s.snapshot()).toEqual({ ...before, sessions: before.sessions + 1 });
  });

  it('answers JSON at the continuation for a client that asks for it', async () => {
    const email = uniqueEmail('apple-json');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const { action, fields } = await answerAtProvider(client, subject);
    const continuation = (await continuedTo(await postAnswer(client, action, fields))) ?? '';
    const res = await client.send(continuation);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: PublicUserBody; csrf_token: string };
    expect(body.user.email).toBe(email);
    expect(body.csrf_token).toBeTruthy();
  });

  it('a user with a second factor gets only to the second-factor step: no session until the code, then one', async () => {
    const { enrolTotp, totpCode } = await import('./mfa-helpers.ts');
    const subject = providerAccount(s.op, { email: uniqueEmail('apple-mfa'), email_verified: true });
    const first = s.t.client();
    await formPostSignIn(first, subject);
    const { secret } = await enrolTotp(s.t, first);
    const client = s.t.client();
    const before = await s.snapshot();
    const res = await formPostSignIn(client, subject, { next: '/docs' });
    expect(await continuedTo(res)).toBe('/login/second-factor?next=%2Fdocs');
    expect(client.sessionToken).toBeUndefined();
    expect(await me(client)).toBeNull();
    expect(await s.snapshot()).toEqual(before);
    const verified = await client.json('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(s.t, secret) } });
    expect(verified.res.status).toBe(200);
    expect(await me(client)).not.toBeNull();
  });

  it('links Apple from the account page of a fresh password session, by form_post, and signs in with it afterwards', async () => {
    const owner = s.t.client();
    const account = await owner.signUp();
    const subject = providerAccount(s.op, { email: uniqueEmail('apple-link'), email_verified: true });
    const started = await owner.json<{ location: string }>(`/auth/identities/${FORM_POST_PROVIDER}/link`, { method: 'POST', json: {}, csrf: true });
    expect(started.res.status).toBe(200);
    const { ProviderBrowser } = await import('../social/provider.ts');
    const { action, fields } = await new ProviderBrowser().authorizeFormPost(started.body.location, subject, PUBLIC_ORIGIN);
    const continuation = (await continuedTo(await postAnswer(owner, action, fields))) ?? '';
    const linked = await owner.send(continuation, { browser: true });
    expect(await continuedTo(linked)).toBe('/account');
    expect((await s.t.stores.identities.listIdentitiesOfUser(account.id)).map((identity) => identity.provider)).toEqual([FORM_POST_PROVIDER]);
    const again = s.t.client();
    await formPostSignIn(again, subject);
    expect((await me(again))?.id).toBe(account.id);
  });
});
