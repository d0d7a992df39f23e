/**
 * Real Chromium against the real server with EMAIL_CONFIRMATION=required: sign up, see "check your
 * e-mail", fail to sign in (the login form says to confirm first), read the confirmation mail in the
 * development outbox (/dev/mail), open its link, press the button — signed in; later sign in with
 * the password.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, login, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

describe('sign up, confirm from the mail, sign in', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp({ EMAIL_CONFIRMATION: 'required' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('the confirmation link from the outbox confirms the address and signs in', async () => {
    const email = 'confirm.me@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();

    await register(page, app, email);
    expect(pathOf(page)).toBe('/login');
    expect(await page.locator('.flash').innerText()).toContain('Check your e-mail to finish signing up.');

    // Not yet: the right password is answered with the reason, and no session is made.
    await login(page, app, email, PASSWORD);
    expect(pathOf(page)).not.toBe('/dashboard');
    expect(await mainText(page)).toContain('Confirm your e-mail address first');

    // The development outbox lists the mail with its link (the browser is a loopback client).
    await page.goto(`${app.url}/dev/mail`);
    const outbox = await mainText(page);
    expect(outbox).toContain('Confirm your e-mail address');
    const link = /http:\/\/127\.0\.0\.1:\d+\/confirm\?token=pccf_[\w-]{43}/.exec(outbox)?.[0];
    expect(link, outbox).toBeDefined();

    await page.goto(link ?? '');
    expect(pathOf(page).startsWith('/confirm?token=')).toBe(true);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/confirm"] button[type="submit"]')]);
    expect(response?.status(), await mainText(page)).toBe(200);
    // Signed in: the after-login page, with the news.
    expect(pathOf(page)).toBe('/dashboard');
    expect(await page.locator('.flash').innerText()).toContain('Your e-mail address is confirmed.');

    // The link is spent: opening it again and pressing the button says so.
    await page.goto(link ?? '');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/confirm"] button[type="submit"]')]);
    expect(await mainText(page)).toContain('invalid, used or expired');

    await page.goto(`${app.url}/dashboard`);
    await logout(page);
    await login(page, app, email, PASSWORD);
    expect(pathOf(page)).toBe('/dashboard');
    // Chromium logs the two refusals this test provokes on purpose (403 at login, 400 for the spent link), nothing else.
    expect(report.consoleErrors.every((text) => /Failed to load resource: the server responded with a status of (403|400)/.test(text)), report.consoleErrors.join('\n')).toBe(true);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });
});
