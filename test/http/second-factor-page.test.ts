/**
 * @module HTTP: the second-factor page (/login/second-factor) offers what the pending sign-in
 * offers — the code form for an authenticator app, "Use a passkey" for a passkey, only the passkey
 * button when there is no app — and offers it again after a wrong code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, csrfFromHtml, type TestApp } from './harness.ts';
import { enrolTotp } from './mfa-helpers.ts';
import { newAuthenticator, registerPasskey } from './passkey-helpers.ts';

describe('the second-factor page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** A browser whose password form post led to the second step; the page's HTML. */
  async function secondStep(email: string) {
    const browser = t.client();
    const login = await browser.postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    expect(login.status).toBe(303);
    const html = await (await browser.send(login.headers.get('location') ?? '', { browser: true })).text();
    return { browser, html };
  }

  it('app + passkey: the code form and "Use a passkey" (its script), and both again after a wrong code', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    await registerPasskey(owner, newAuthenticator(), 'Laptop');
    const { browser, html } = await secondStep(user.email);
    expect(html).toContain('name="code"');
    expect(html).toContain('data-passkey-second-factor');
    expect(html).toContain('<script type="module" src="/static/passkeys.js"></script>');
    expect(html).toContain('method=recovery_code');

    const wrong = await browser.postForm('/auth/mfa/verify', { method: 'totp', code: '000000', csrf_token: csrfFromHtml(html) ?? '' });
    expect(wrong.status).toBe(401);
    const again = await wrong.text();
    expect(again).toContain('Invalid credentials');
    expect(again).toContain('name="code"');
    expect(again).toContain('data-passkey-second-factor');
    expect(again).toContain('method=recovery_code');
  });

  it('passkey only: no code form, the passkey button', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await registerPasskey(owner, newAuthenticator(), 'Laptop');
    const { html } = await secondStep(user.email);
    expect(html).not.toContain('name="code"');
    expect(html).toContain('data-passkey-second-factor');
    expect(html).toContain('Use your passkey to finish signing in.');
  });

  it('app only: the code form, no passkey button and no script', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    await enrolTotp(t, owner);
    const { html } = await secondStep(user.email);
    expect(html).toContain('name="code"');
    expect(html).not.toContain('data-passkey');
    expect(html).not.toContain('<script');
  });
});
