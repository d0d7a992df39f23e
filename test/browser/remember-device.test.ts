/**
 * Remembered device in real Chromium (MFA_REMEMBER_DEVICE=30d): a person with an authenticator app
 * ticks "Don't ask again on this browser" at the second step; the next sign-in from that browser
 * asks only for the password; /account lists the browser under "Remembered devices" and shows the
 * session as "Password + remembered device" (AAL1); "Forget" brings the second step back. No
 * console error, no CSP violation on the way.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, confirmPasswordIfAsked, launchBrowser, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

const codeAt = (secret: Uint8Array, offset = 0) => generateHOTP(secret, BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

async function passwordStep(page: Page, app: App, email: string): Promise<void> {
  await page.goto(`${app.url}/login?next=/account`);
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/login"] button[type="submit"]')]);
}

describe('remembered device in the browser', () => {
  let app: App;
  let browser: Browser;
  const email = 'remembered.user@example.test';

  beforeAll(async () => {
    app = await startApp({ MFA_REMEMBER_DEVICE: '30d' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('tick the box at the second step → the next sign-in skips it; /account lists the device; Forget brings the step back', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    await page.goto(`${app.url}/account/security`);
    await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/totp/setup"] button[type="submit"]')]);
    const secret = decodeBase32IgnorePadding((await page.locator('#totp-secret').innerText()).trim());
    await page.fill('#field-code', codeAt(secret));
    await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/totp/confirm"] button[type="submit"]')]);
    expect(await page.locator('#totp-status').innerText()).toContain('On');
    await logout(page);

    // The second step offers the box; ticked, the code signs in and the browser is remembered.
    await passwordStep(page, app, email);
    expect(pathOf(page)).toMatch(/^\/login\/second-factor/);
    const box = page.locator('input[name="remember_device"]');
    expect(await page.locator('label[for="field-remember_device"]').innerText()).toContain("Don't ask again on this browser for 30 days");
    await box.check();
    await page.fill('#field-code', codeAt(secret, 1));
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('form[action="/auth/mfa/verify"] button[type="submit"]')]);
    const mark = (await context.cookies()).find((c) => c.name === 'portcullis_device');
    expect(mark?.httpOnly).toBe(true);
    expect(mark?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('portcullis_device');
    await logout(page);

    // The password alone now signs in from this browser.
    await passwordStep(page, app, email);
    expect(pathOf(page)).toBe('/account');
    const text = await mainText(page);
    expect(text).toContain('Remembered devices');
    expect(text).toContain('This browser');
    expect(text).toContain('Password + remembered device');
    expect(text).toContain('AAL1');

    // Forget it (the login is fresh; if the app asks for the password again, give it).
    await Promise.all([page.waitForNavigation(), page.click('form[action^="/auth/devices/"][action$="/forget"] button[type="submit"]')]);
    if (await confirmPasswordIfAsked(page)) {
      await Promise.all([page.waitForNavigation(), page.click('form[action^="/auth/devices/"][action$="/forget"] button[type="submit"]')]);
    }
    expect(pathOf(page)).toBe('/account');
    expect(await mainText(page)).toContain('No remembered devices.');
    await logout(page);

    await passwordStep(page, app, email);
    expect(pathOf(page)).toMatch(/^\/login\/second-factor/);
    expect(report.consoleErrors).toEqual([]);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });

  it('another browser, never ticked, is asked for the second step', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await passwordStep(page, app, email);
    expect(pathOf(page)).toMatch(/^\/login\/second-factor/);
    await context.close();
  });
});
