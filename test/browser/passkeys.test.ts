/**
 * Passkeys in real Chromium with the DevTools virtual authenticator (CTAP2, internal transport,
 * resident keys, user verification). The server's PUBLIC_URL is http://localhost:<port>: WebAuthn
 * refuses an IP address as relying-party ID.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, launchBrowser, newContext, startApp, type App } from './harness.ts';

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
