/**
 * Passkeys in real Chromium with the DevTools virtual authenticator (CTAP2, internal transport,
 * resident keys, user verification). The server's PUBLIC_URL is http://localhost:<port>: WebAuthn
 * refuses an IP address as relying-party ID.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, addVirtualAuthenticator, launchBrowser, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

describe('the WebAuthn harness', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp({}, { publicHost: 'localhost' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('serves the app at http://localhost:<port>, where a virtual authenticator makes and uses a discoverable credential', async () => {
    expect(app.url).toMatch(/^http:\/\/localhost:\d+$/);
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    await page.goto(`${app.url}/login`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    const created = await page.evaluate(async () => {
      const credential = (await navigator.credentials.create({
        publicKey: {
          rp: { id: 'localhost', name: 'harness' },
          user: { id: new Uint8Array([1, 2, 3, 4]), name: 'harness@example.test', displayName: 'harness' },
          challenge: crypto.getRandomValues(new Uint8Array(32)),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
      })) as PublicKeyCredential;
      return credential.id;
    });
    const stored = await authenticator.credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.isResidentCredential).toBe(true);
    expect(stored[0]?.rpId).toBe('localhost');
    // Discoverable: found with no allow-list, user verified.
    const asserted = await page.evaluate(async () => {
      const credential = (await navigator.credentials.get({ publicKey: { challenge: crypto.getRandomValues(new Uint8Array(32)), userVerification: 'required' } })) as PublicKeyCredential;
      const data = new Uint8Array((credential.response as AuthenticatorAssertionResponse).authenticatorData);
      // Flags byte: UP (0x01) and UV (0x04).
      return { id: credential.id, flags: data[32] ?? 0 };
    });
    expect(asserted.id).toBe(created);
    expect(asserted.flags & 0x05).toBe(0x05);
    expect(report.pageErrors).toEqual([]);
    await authenticator.remove();
    await context.close();
  });
});

describe('passkeys in the pages', () => {
  let app: App;
  let browser: Browser;
  const email = 'passkey.user@example.test';

  beforeAll(async () => {
    app = await startApp({}, { publicHost: 'localhost' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('add a passkey on /account/security; the second step with it; passwordless by the button and by conditional UI; rename; remove', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    await register(page, app, email);

    // Add: the first second factor comes with ten recovery codes, shown once on the page.
    await page.goto(`${app.url}/account/security`);
    expect(await page.locator('#passkeys-empty').innerText()).toContain('No passkeys yet');
    await page.fill('#passkey-name', 'Laptop');
    await page.click('form[data-passkey-register] button[type="submit"]');
    const codes = page.locator('[data-passkey-recovery-codes] li code');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    const stored = await authenticator.credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.isResidentCredential).toBe(true);
    expect(stored[0]?.rpId).toBe('localhost');
    await page.goto(`${app.url}/account/security`);
    expect(await page.locator('#passkeys tbody th').allInnerTexts()).toEqual(['Laptop']);
    await logout(page);

    // Password + passkey. The person types the password (the key waits: no conditional sign-in
    // meanwhile); the second step offers the passkey (no code field: no authenticator app) → AAL2.
    await authenticator.setPresence(false);
    await page.goto(`${app.url}/login?next=/account`);
    await page.fill('#field-email', email);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login/second-factor'), page.click('form[action="/auth/login"] button[type="submit"]')]);
    expect(await page.locator('#field-code').count()).toBe(0);
    await authenticator.setPresence(true);
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('button[data-passkey-second-factor]')]);
    expect(await mainText(page)).toMatch(/Password \+ passkey AAL2/);
    await logout(page);

    // Passwordless with the button (nothing typed).
    await authenticator.setPresence(false);
    await page.goto(`${app.url}/login?next=/account`);
    expect(await page.locator('#field-email').getAttribute('autocomplete')).toBe('username webauthn');
    await authenticator.setPresence(true);
    // The conditional request made at page load is still waiting (it is not what signs in here).
    await page.waitForTimeout(1500);
    expect(pathOf(page)).toBe('/login?next=/account');
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('button[data-passkey-login]')]);
    expect(await mainText(page)).toContain(email);
    expect(await mainText(page)).toMatch(/Passkey AAL2/);
    await logout(page);

    // Conditional UI: opening /login offers the passkey in the e-mail field's autofill; the person
    // picks it (Chromium's virtual authenticator does at once) and is signed in — no click, no typing.
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.goto(`${app.url}/login?next=/account`)]);
    expect(await mainText(page)).toContain(email);

    // Rename, then remove (the passkey sign-in is a fresh second factor: no re-authentication asked).
    await page.goto(`${app.url}/account/security`);
    const rename = page.locator('form[data-passkey-rename]');
    await rename.locator('input[name="name"]').fill('Work laptop');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('passkey') === 'renamed'), rename.locator('button[type="submit"]').click()]);
    expect(await page.locator('#passkeys tbody th').allInnerTexts()).toEqual(['Work laptop']);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('passkey') === 'removed'), page.click('button[data-passkey-delete]')]);
    expect(await page.locator('#passkey-notice').innerText()).toContain('removed');
    expect(await page.locator('#passkeys-empty').count()).toBe(1);
    await logout(page);

    // The device still holds the key, but the server no longer knows it: the conditional sign-in is
    // refused on the page, and the browser stays signed out.
    await page.goto(`${app.url}/login`);
    await page.locator('[data-passkey-error]:not([hidden])').waitFor();
    expect(pathOf(page)).toBe('/login');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('portcullis_session');
    // …and the password alone signs in again (no second factor is left).
    await authenticator.setPresence(false);
    await page.fill('#field-email', email);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('form[action="/auth/login"] button[type="submit"]')]);
    expect(pathOf(page)).not.toMatch(/second-factor/);

    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await authenticator.remove();
    await context.close();
  });
});
