/**
 * What a person sees when a login fails: one generic message whatever was wrong, and after
 * repeated failures the lockout message naming the wait. The lockout's base delay is set to
 * 5 minutes here so that the lock cannot expire while the test runs (the default is 1 s).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, newContext, pathOf, register, startApp, logout, type App } from './harness.ts';

const LOCKOUT_THRESHOLD = 3;

async function tryLogin(page: Page, app: App, identity: string, password: string): Promise<{ status: number; formError: string }> {
  await page.goto(`${app.url}/login`);
  await page.fill('#field-email', identity);
  await page.fill('#field-password', password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/login' && r.request().method() === 'POST'),
    page.click('form[action="/auth/login"] button[type="submit"]'),
  ]);
  await page.waitForLoadState();
  const box = page.locator('#form-error');
  const formError = (await box.count()) > 0 ? (await box.innerText()).trim() : '';
  return { status: response.status(), formError };
}

describe('login failures in the browser', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp({ AUTH_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD), AUTH_LOCKOUT_BASE_DELAY: '5m', AUTH_LOCKOUT_MAX_DELAY: '15m' });
    browser = await launchBrowser();
    // One known account, registered and logged out again.
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, 'grace@example.test');
    await logout(page);
    await context.close();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a wrong password and an unknown account show the same generic "Invalid credentials" message', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();

    const wrongPassword = await tryLogin(page, app, 'grace@example.test', 'Not-the-right-password-1');
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.formError).toBe('Invalid credentials');
    expect(pathOf(page)).toBe('/auth/login');
    // The form keeps the identity as typed, never the password.
    expect(await page.inputValue('#field-email')).toBe('grace@example.test');
    expect(await page.inputValue('#field-password')).toBe('');

    const unknown = await tryLogin(page, app, 'nobody@example.test', 'Not-the-right-password-1');
    expect(unknown.status).toBe(401);
    expect(unknown.formError).toBe('Invalid credentials');

    // Not logged in by any of it.
    await page.goto(`${app.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });

  it('repeated failures show the lockout message with the wait; while locked, even the right password is refused', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    const identity = 'grace@example.test';

    // Failures up to the threshold: the generic message every time. (The first test already spent one.)
    const seen: string[] = [];
    let locked: { status: number; formError: string } | undefined;
    for (let attempt = 0; attempt < LOCKOUT_THRESHOLD + 2 && !locked; attempt++) {
      const result = await tryLogin(page, app, identity, `Wrong-password-${attempt}-xyz`);
      if (result.status === 429) locked = result;
      else seen.push(`${result.status} ${result.formError}`);
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const line of seen) expect(line).toBe('401 Invalid credentials');
    expect(locked, 'a lockout after repeated failures').toBeDefined();
    expect(locked!.formError).toMatch(/^Too many attempts\. Try again in (\d+ seconds?|\d+ minutes)\.$/);
    // The wait named is the lockout delay: minutes, not "0 seconds".
    expect(locked!.formError).toMatch(/in [1-9]\d* (seconds?|minutes)/);
    expect(locked!.formError).not.toContain('Invalid credentials');

    // The right password during the lock: still refused with the wait, still not logged in.
    const rightPassword = await tryLogin(page, app, identity, PASSWORD);
    expect(rightPassword.status).toBe(429);
    expect(rightPassword.formError).toMatch(/^Too many attempts\. Try again in /);
    await page.goto(`${app.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');

    // An unknown identity locks the same way: the message tells an attacker nothing about existence.
    let unknownLocked = '';
    for (let attempt = 0; attempt < LOCKOUT_THRESHOLD + 2 && !unknownLocked; attempt++) {
      const result = await tryLogin(page, app, 'ghost@example.test', `Wrong-password-${attempt}-xyz`);
      if (result.status === 429) unknownLocked = result.formError;
      else expect(`${result.status} ${result.formError}`).toBe('401 Invalid credentials');
    }
    expect(unknownLocked).toMatch(/^Too many attempts\. Try again in (\d+ seconds?|\d+ minutes)\.$/);
    await context.close();
  });
});
