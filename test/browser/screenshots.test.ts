/**
 * Screenshots of every page, for a reviewer to look at: saved (full page) under
 * test-results/screenshots/ — gitignored, never committed. Light mode at desktop width, plus a
 * few in dark mode and at phone width, where layouts most often break.
 */
import { statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, SCREENSHOT_DIR, launchBrowser, login, newContext, pathOf, register, screenshot, startApp, type App } from './harness.ts';

describe('screenshots of each page', () => {
  let app: App;
  let browser: Browser;
  const saved: string[] = [];

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function shoot(page: Page, name: string, path: string, status = 200): Promise<void> {
    const response = await page.goto(`${app.url}${path}`);
    expect(response?.status(), `${name}: ${path}`).toBe(status);
    expect(pathOf(page), name).toBe(path);
    const file = await screenshot(page, name);
    expect(statSync(file).size, `${name} screenshot`).toBeGreaterThan(5_000);
    saved.push(file);
  }

  it('home, register, login, dashboard, account, admin, audit log, verify, 403 and 404', async () => {
    const anonymous = await newContext(browser);
    const anon = await anonymous.context.newPage();
    await shoot(anon, '01-home', '/');
    await shoot(anon, '02-register', '/register');
    await shoot(anon, '03-login', '/login');

    // The login form after a failed attempt: the generic error above the fields.
    await anon.fill('#field-email', 'someone@example.test');
    await anon.fill('#field-password', 'Wrong-password-here-1');
    await Promise.all([anon.waitForResponse((r) => new URL(r.url()).pathname === '/auth/login'), anon.press('#field-password', 'Enter')]);
    await anon.waitForLoadState();
    saved.push(await screenshot(anon, '03b-login-error'));
    // The register form with a field error: a password too short for the server's policy (the
    // browser's own minlength check is lifted so the server's message shows).
    await anon.goto(`${app.url}/register`);
    await anon.fill('#field-email', 'short@example.test');
    await anon.fill('#field-password', 'abc1');
    await anon.evaluate(() => document.querySelector('#field-password')?.removeAttribute('minlength'));
    await Promise.all([anon.waitForResponse((r) => new URL(r.url()).pathname === '/auth/register'), anon.press('#field-password', 'Enter')]);
    await anon.waitForLoadState();
    expect(await anon.locator('#field-password-error').count(), 'the field error is shown').toBe(1);
    saved.push(await screenshot(anon, '02b-register-error'));
    await shoot(anon, '10-404', '/no-such-page', 404);

    // The bootstrap admin, with a second user to list and a session on another "device".
    const adminSide = await newContext(browser);
    const admin = await adminSide.context.newPage();
    await register(admin, app, app.adminEmail);
    const userSide = await newContext(browser);
    const user = await userSide.context.newPage();
    await register(user, app, 'river@example.test');
    const otherDevice = await newContext(browser, { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1' });
    await login(await otherDevice.context.newPage(), app, app.adminEmail);

    await shoot(admin, '04-dashboard', '/dashboard');
    await shoot(admin, '05-account', '/account');
    await shoot(admin, '06-admin', '/admin');
    await shoot(admin, '07-audit-log', '/admin/audit');
    await shoot(admin, '08-verify', '/verify?next=%2Fadmin');
    await shoot(user, '09-403', '/admin', 403);
    await shoot(user, '04b-dashboard-user', '/dashboard');

    // Dark mode and phone width.
    const dark = await newContext(browser, { colorScheme: 'dark' });
    const darkPage = await dark.context.newPage();
    await shoot(darkPage, '11-dark-login', '/login');
    await login(darkPage, app, app.adminEmail, PASSWORD);
    await shoot(darkPage, '12-dark-admin', '/admin');
    const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phonePage = await phone.context.newPage();
    await shoot(phonePage, '13-phone-home', '/');
    await login(phonePage, app, app.adminEmail, PASSWORD);
    await shoot(phonePage, '14-phone-account', '/account');
    await shoot(phonePage, '15-phone-admin', '/admin');

    for (const side of [anonymous, adminSide, userSide, otherDevice, dark, phone]) {
      expect(side.report.pageErrors).toEqual([]);
      expect(side.report.cspViolations).toEqual([]);
      await side.context.close();
    }
    expect(saved.every((file) => file.startsWith(SCREENSHOT_DIR))).toBe(true);
    expect(saved.length).toBeGreaterThanOrEqual(10);
  });
});
