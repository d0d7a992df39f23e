import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderBrowser } from '../social/provider.ts';
import { continuedTo, createSocialApp, providerAccount, socialSignIn, type SocialSetup } from '../social/harness.ts';
import { createSmtpMailer } from '../../src/mail.ts';
import { PUBLIC_ORIGIN, uniqueEmail, type Client } from './harness.ts';
import { decodeMail, startSmtpSink, type SmtpSink } from './password-helpers.ts';
import { newAuthenticator, passwordlessLogin, passwordlessOptions, registerPasskey } from './passkey-helpers.ts';

let s: SocialSetup;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  s = await createSocialApp({ mailer: createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>') });
});
afterAll(async () => {
  await s?.dispose();
  await sink?.close();
});

interface IdentityBody {
  id: string;
  provider: string;
  email: string | null;
}

async function identitiesOf(client: Client): Promise<IdentityBody[]> {
  const res = await client.send('/auth/identities');
  expect(res.status).toBe(200);
  return ((await res.json()) as { identities: IdentityBody[] }).identities;
}

/** From the account page: POST link (fresh session), the provider's pages, back to the callback. */
async function link(client: Client, subject: string, provider = 'corp'): Promise<Response> {
  const started = await client.send(`/auth/identities/${provider}/link`, { method: 'POST', json: {}, csrf: true });
  expect(started.status).toBe(200);
  const { location } = (await started.json()) as { location: string };
  const callback = await new ProviderBrowser().authorize(location, subject, PUBLIC_ORIGIN);
  return client.send(callback.pathname + callback.search, { browser: true });
}

describe('linked identities', () => {
  it('links a provider from a fresh password session, signs in with it afterwards, and unlinks it', async () => {
    const owner = s.t.client();
    const account = await owner.signUp();
    const subject = providerAccount(s.op, { email: uniqueEmail('elsewhere'), email_verified: true });
    const res = await link(owner, subject);
    expect(await continuedTo(res)).toBe('/account');
    const [identity] = await identitiesOf(owner);
    expect(identity).toMatchObject({ provider: 'corp' });

    const elsewhere = s.t.client();
    expect((await socialSignIn(elsewhere, subject)).status).toBe(200);
    expect((await elsewhere.me()).body.user?.id).toBe(account.id);

    const unlinked = await owner.send(`/auth/identities/${identity?.id}`, { method: 'DELETE', csrf: true });
    expect(unlinked.status).toBe(204);
    expect(await identitiesOf(owner)).toEqual([]);
    await s.t.auth.flush();
    // A security mail for each change, over real SMTP, to the account's address.
    const subjects = sink.to(account.email).map((mail) => /^Subject: (.*)$/m.exec(decodeMail(mail.raw).headers)?.[1]);
    expect(subjects).toEqual(['Corp ID sign-in added to your account', 'Corp ID sign-in removed from your account']);
    const { records } = await s.t.auth.admin.listAudit({ userId: account.id, offset: 0, limit: 50 });
    expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['identity.linked', 'identity.unlinked', 'oauth.succeeded']));
  });

  it('needs a fresh login to link or unlink', async () => {
    const owner = s.t.client();
    await owner.signUp();
    s.t.clock.advanceMs(11 * 60_000);
    const res = await owner.send('/auth/identities/corp/link', { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('REAUTH_REQUIRED');
  });

  it('refuses to unlink the last way into an account without a password, also when both are unlinked at once', async () => {
    const first = providerAccount(s.op, { email: uniqueEmail('only'), email_verified: true });
    const owner = s.t.client();
    expect((await socialSignIn(owner, first)).status).toBe(200);
    const second = providerAccount(s.op, { email: uniqueEmail('second'), email_verified: true });
    expect((await link(owner, second)).status).toBe(200);
    const both = await identitiesOf(owner);
    expect(both).toHaveLength(2);
    const csrf = await owner.fetchCsrf();
    const results = await Promise.all(both.map((identity) => owner.send(`/auth/identities/${identity.id}`, { method: 'DELETE', csrf })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    const refused = results.find((r) => r.status === 409);
    expect(((await refused!.json()) as { code: string }).code).toBe('LAST_SIGN_IN_METHOD');
    expect(await identitiesOf(owner)).toHaveLength(1);
  });

  it('a passkey is a way in: a password-less account may unlink its last identity, and then cannot delete its last passkey', async () => {
    const owner = s.t.client();
    expect((await socialSignIn(owner, providerAccount(s.op, { email: uniqueEmail('keyed'), email_verified: true }))).status).toBe(200);
    const authenticator = newAuthenticator();
    const { passkey } = await registerPasskey(owner, authenticator);
    const [identity] = await identitiesOf(owner);
    expect((await owner.send(`/auth/identities/${identity?.id}`, { method: 'DELETE', csrf: true })).status).toBe(204);
    // Now the passkey is the only way in: deleting it is refused, and it still signs in.
    const refused = await owner.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('LAST_SIGN_IN_METHOD');
    const elsewhere = s.t.client();
    expect((await passwordlessLogin(elsewhere, authenticator.get(await passwordlessOptions(elsewhere)))).res.status).toBe(200);
  });

  it('refuses to link a provider account that another user holds, and changes nothing', async () => {
    const taken = providerAccount(s.op, { email: uniqueEmail('taken'), email_verified: true });
    expect((await socialSignIn(s.t.client(), taken)).status).toBe(200);
    const owner = s.t.client();
    await owner.signUp();
    const before = await s.snapshot();
    const res = await link(owner, taken);
    expect(res.status).toBe(409);
    expect(await identitiesOf(owner)).toEqual([]);
    expect(await s.snapshot()).toEqual(before);
  });

  it('answers 404 for another user\'s identity', async () => {
    const holder = s.t.client();
    expect((await socialSignIn(holder, providerAccount(s.op, { email: uniqueEmail('holder'), email_verified: true }))).status).toBe(200);
    const [identity] = await identitiesOf(holder);
    const stranger = s.t.client();
    await stranger.signUp();
    const res = await stranger.send(`/auth/identities/${identity?.id}`, { method: 'DELETE', csrf: true });
    expect(res.status).toBe(404);
    expect(await identitiesOf(holder)).toHaveLength(1);
  });

  it('does not link when the session that asked was signed out before the provider answered', async () => {
    const owner = s.t.client();
    await owner.signUp();
    const started = await owner.send('/auth/identities/corp/link', { method: 'POST', json: {}, csrf: true });
    const { location } = (await started.json()) as { location: string };
    const flowOnly = owner.clone();
    await owner.logout();
    const subject = providerAccount(s.op, { email: uniqueEmail('late'), email_verified: true });
    const callback = await new ProviderBrowser().authorize(location, subject, PUBLIC_ORIGIN);
    const before = await s.snapshot();
    const res = await flowOnly.send(callback.pathname + callback.search, { browser: true });
    expect(res.status).toBe(401);
    expect(await s.snapshot()).toEqual(before);
  });
});

describe('pages', () => {
  it('shows a button per provider on /login and /register, keeping a safe next', async () => {
    for (const page of ['/login?next=%2Fdocs', '/register?next=%2Fdocs']) {
      const html = await (await s.t.client().send(page, { browser: true })).text();
      expect(html).toContain('href="/auth/oauth/corp?next=%2Fdocs"');
      expect(html).toContain('Continue with Corp ID');
      expect(html).toContain('Continue with Other ID');
    }
    const hostile = await (await s.t.client().send('/login?next=%2F%2Fevil.example', { browser: true })).text();
    expect(hostile).toContain('href="/auth/oauth/corp"');
    expect(hostile).not.toContain('evil.example');
  });

  it('lists linked accounts on /account with an unlink and a link button', async () => {
    const owner = s.t.client();
    await owner.signUp();
    expect((await link(owner, providerAccount(s.op, { email: uniqueEmail('page'), email_verified: true }))).status).toBe(200);
    const html = await (await owner.send('/account', { browser: true })).text();
    expect(html).toContain('Linked accounts');
    expect(html).toMatch(/action="\/auth\/identities\/[\w-]+\/unlink"/);
    expect(html).toContain('action="/auth/identities/other/link"');
  });
});
