/**
 * A signed-in browser opens a password-reset link (the mail is read where the user is signed in)
 * and finishes the reset: the page's form carries the session's CSRF token, and the POST must be
 * checked against that session — not against a pre-session token the page never handed out.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secureRandom } from '../../src/core/crypto/index.ts';
import { createOpaqueToken } from '../../src/features/tokens/index.ts';
import { PASSWORD, launchBrowser, login, mainText, newContext, pathOf, register, startApp, userByEmail, type App } from './harness.ts';

const NEW_PASSWORD = 'Amber-pelican-sundial-93';

describe('a signed-in browser finishes a password reset', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** The link the reset mail would carry (minted as the flow does, stored hashed). */
  async function resetLink(userId: string): Promise<string> {
    const { token, tokenHash } = createOpaqueToken('reset', secureRandom);
    const nowMs = Date.now();
    await app.server.stores.tokens.createResetToken({ tokenHash, userId, createdAtMs: nowMs, expiresAtMs: nowMs + 30 * 60_000 });
    return `${app.url}/reset-password?token=${encodeURIComponent(token)}`;
  }

  it('signed in → opens the reset link → sets a new password → lands on /login; the new password works, the old does not', async () => {
    const email = 'reset.signed.in@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    expect(pathOf(page)).toBe('/dashboard');
    const user = await userByEmail(app, email);

    await page.goto(await resetLink(user.id));
    expect(pathOf(page).startsWith('/reset-password')).toBe(true);
    await page.fill('#field-new_password', NEW_PASSWORD);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/reset-password"] button[type="submit"]')]);
    expect(response?.status(), await mainText(page)).toBe(200);
    expect(pathOf(page)).toBe('/login');
    expect(await page.locator('.flash').innerText()).toContain('Your password has been changed.');

    expect(report.consoleErrors).toEqual([]);

    // Every session ended with the reset, this one included; the new password logs in, the old one does not.
    expect(await app.server.stores.sessions.listSessionsOfUser(user.id)).toEqual([]);
    await login(page, app, email, PASSWORD);
    expect(pathOf(page)).not.toBe('/dashboard');
    expect(await mainText(page)).toContain('Invalid credentials');
    await login(page, app, email, NEW_PASSWORD);
    expect(pathOf(page)).toBe('/dashboard');
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });

  it('control: a foreign or missing token on the same signed-in form is still refused (403) and the password is unchanged', async () => {
    const email = 'reset.forged@example.test';
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    const user = await userByEmail(app, email);
    const hashBefore = user.passwordHash;

    await page.goto(await resetLink(user.id));
    await page.fill('#field-new_password', NEW_PASSWORD);
    await page.evaluate(() => {
      const field = document.querySelector<HTMLInputElement>('form[action="/auth/reset-password"] input[name="csrf_token"]');
      if (field) field.value = 'forged-token-forged-token-forged-token-abcd';
    });
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/reset-password"] button[type="submit"]')]);
    expect(response?.status()).toBe(403);
    expect((await userByEmail(app, email)).passwordHash).toBe(hashBefore);
    await context.close();
  });
});
