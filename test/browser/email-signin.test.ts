/**
 * Real Chromium against the real server with EMAIL_SIGNIN=on: sign up, log out, follow "Sign in by
 * e-mail" on the login page, ask for a code, read it in the development outbox (/dev/mail), enter
 * it — signed in. The mail's link opened in another browser signs nobody in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logout, mainText, newContext, pathOf, register, startApp, startAttackerSite, type App } from './harness.ts';

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
    // No pre-session cookie: a page of ours navigates on once, and the link is refused there.
    await Promise.all([elsewhere.waitForURL((u) => u.searchParams.get('again') === '1'), elsewhere.goto(link ?? '')]);
    expect(await mainText(elsewhere)).toContain('Invalid credentials');
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

  it("the mail's link clicked in a web mail on another site signs the browser that asked in", async () => {
    const email = 'web.mail@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    await logout(page);
    const linksInOutbox = async (): Promise<string[]> => {
      const outbox = await context.newPage();
      await outbox.goto(`${app.url}/dev/mail`);
      const text = await mainText(outbox);
      await outbox.close();
      return [...text.matchAll(/http:\/\/127\.0\.0\.1:\d+\/auth\/email-signin\/verify\?token=[\w.%-]+/g)].map((m) => m[0]);
    };
    const before = new Set(await linksInOutbox());
    await page.goto(`${app.url}/login/email`);
    await page.fill('#field-email', email);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login/email/code'), page.click('form[action="/auth/email-signin"] button[type="submit"]')]);
    // The mail is sent off the request: look again until it is there.
    let fresh: string[] = [];
    for (let tries = 0; tries < 20 && fresh.length === 0; tries += 1) {
      fresh = (await linksInOutbox()).filter((l) => !before.has(l));
      if (fresh.length === 0) await page.waitForTimeout(100);
    }
    expect(fresh).toHaveLength(1);
    const link = fresh[0];

    // `localhost` is another site than `127.0.0.1`: the SameSite=Strict cookies do not ride this click.
    const webmail = await startAttackerSite();
    try {
      webmail.set('/inbox', `<!doctype html><html><body><a id="link" href="${link}">Sign in</a></body></html>`);
      await page.goto(`http://localhost:${webmail.port}/inbox`);
      await Promise.all([page.waitForURL((u) => u.pathname === '/dashboard'), page.click('#link')]);
      expect(await mainText(page)).toContain(email);
    } finally {
      await webmail.close();
    }
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });
});
