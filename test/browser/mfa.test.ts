/**
 * Two-step sign-in in real Chromium: a person sets up an authenticator app on /account/security
 * (QR code and key shown, confirmed by the first code — computed here from the key, as an app
 * would), sees ten recovery codes once, then signs in with the password and a code on
 * /login/second-factor, and in another browser with a recovery code. No console error, no CSP
 * violation anywhere on the way.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

/** The code an authenticator app shows now (`offset` steps of 30 s later). */
const codeAt = (secret: Uint8Array, offset = 0) => generateHOTP(secret, BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

async function passwordStep(page: Page, app: App, email: string): Promise<void> {
  await page.goto(`${app.url}/login?next=/account`);
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login/second-factor'), page.click('form[action="/auth/login"] button[type="submit"]')]);
}

describe('two-step sign-in in the browser', () => {
  let app: App;
  let browser: Browser;
  const email = 'totp.user@example.test';
  let secret: Uint8Array;
  let recoveryCodes: string[] = [];

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('sets up an authenticator app: QR code and key, the first code turns it on, ten recovery codes shown once', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    await page.goto(`${app.url}/account`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/account/security'), page.click('a[href="/account/security"]')]);
    expect(await page.locator('#totp-status').innerText()).toContain('Off');

    await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/totp/setup"] button[type="submit"]')]);
    const qr = page.locator('img.qr-code');
    expect(await qr.count()).toBe(1);
    // The QR code really rendered (an SVG image the browser decoded), and the key is there to type.
    expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const key = (await page.locator('#totp-secret').innerText()).trim();
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    secret = decodeBase32IgnorePadding(key);

    await page.fill('#field-code', codeAt(secret));
    await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/totp/confirm"] button[type="submit"]')]);
    expect(await page.locator('#totp-status').innerText()).toContain('On');
    recoveryCodes = (await page.locator('#recovery-codes code').allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(await page.locator('#recovery-left').innerText()).toBe('10');

    // Shown once: the page again lists no codes, only how many are left.
    await page.goto(`${app.url}/account/security`);
    expect(await page.locator('#recovery-codes').count()).toBe(0);
    expect(report.consoleErrors).toEqual([]);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await logout(page);
    await context.close();
  });

  it('signs in with the password and then a code from the app; the password alone reached no page', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await passwordStep(page, app, email);
    // The password alone is no session: the dashboard still asks to log in.
    const probe = await context.newPage();
    await probe.goto(`${app.url}/dashboard`);
    expect(pathOf(probe)).toMatch(/^\/login/);
    await probe.close();
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain('portcullis_mfa');
    expect(cookies.map((c) => c.name)).not.toContain('portcullis_session');

    // The code of the next step (the app's clock may run ahead; the current one was used to confirm).
    await page.fill('#field-code', codeAt(secret, 1));
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('form[action="/auth/mfa/verify"] button[type="submit"]')]);
    expect(await mainText(page)).toContain(email);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('portcullis_mfa');
    expect(report.consoleErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });

  it('a wrong code is refused on the page; a recovery code signs in, and counts down', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await passwordStep(page, app, email);
    await page.fill('#field-code', '000000' === codeAt(secret) ? '111111' : '000000');
    await Promise.all([page.waitForLoadState(), page.click('form[action="/auth/mfa/verify"] button[type="submit"]')]);
    expect(await page.locator('#form-error').innerText()).toContain('Invalid credentials');

    await Promise.all([page.waitForURL((u) => u.searchParams.get('method') === 'recovery_code'), page.click('a[href*="method=recovery_code"]')]);
    await page.fill('#field-code', recoveryCodes[0]!);
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('form[action="/auth/mfa/verify"] button[type="submit"]')]);
    await page.goto(`${app.url}/account/security`);
    expect(await page.locator('#recovery-left').innerText()).toBe('9');
    expect(report.consoleErrors.filter((e) => !e.includes('401'))).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });
});
