/**
 * Real Chromium against the real server with EMAIL_SIGNIN=on: sign up, log out, follow "Sign in by
 * e-mail" on the login page, ask for a code, read it in the development outbox (/dev/mail), enter
 * it — signed in. The mail's link opened in another browser signs nobody in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

describe('sign in by e-mail code', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp({ EMAIL_SIGNIN: 'on' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('asks for a code from the login page, reads it in the outbox, and signs in with it', async () => {
    const email = 'by.mail@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    await logout(page);

    await page.goto(`${app.url}/login`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login/email'), page.click('a[href="/login/email"]')]);
    await page.fill('#field-email', email);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login/email/code'), page.click('form[action="/auth/email-signin"] button[type="submit"]')]);
    expect(await page.locator('.flash').innerText()).toContain('a sign-in code is on its way');

    const outbox = await context.newPage();
    await outbox.goto(`${app.url}/dev/mail`);
    const text = await mainText(outbox);
    const code = /sign-in code is (\d{6})/.exec(text)?.[1];
    const link = /http:\/\/127\.0\.0\.1:\d+\/auth\/email-signin\/verify\?token=[\w.%-]+/.exec(text)?.[0];
    expect(code, text).toBeDefined();
    expect(link, text).toBeDefined();
    await outbox.close();

    // The link forwarded to another browser: refused, nobody signed in there.
    const other = await newContext(browser);
    const elsewhere = await other.context.newPage();
    const refused = await elsewhere.goto(link ?? '');
    expect(refused?.status()).toBe(401);
    await elsewhere.goto(`${app.url}/dashboard`);
    expect(pathOf(elsewhere).startsWith('/login?')).toBe(true);
    await other.context.close();

    await page.fill('#field-email', email);
    await page.fill('#field-code', code ?? '');
    await Promise.all([page.waitForURL((u) => u.pathname !== '/login/email/code'), page.click('form[action="/auth/email-signin/verify"] button[type="submit"]')]);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await mainText(page)).toContain(email);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    expect(report.consoleErrors).toEqual([]);
    await context.close();
  });
});
