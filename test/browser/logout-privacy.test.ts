/**
 * After logging out on a shared computer, the next person must not find anything private: the
 * back button shows no page of the previous user (private pages are sent `Cache-Control:
 * no-store`, so the browser asks the server again, which now wants a login), and page
 * JavaScript never sees the session cookie (HttpOnly).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logout, newContext, pathOf, register, startApp, type App } from './harness.ts';

describe('after logout', () => {
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

  it('the session cookie is invisible to page JavaScript (HttpOnly)', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, 'cookie-jar@example.test');
    expect(pathOf(page)).toBe('/dashboard');

    const session = (await context.cookies(app.url)).find((c) => c.name === 'portcullis_session');
    expect(session, 'the browser holds a session cookie').toBeDefined();
    expect(session!.httpOnly).toBe(true);
    expect(session!.sameSite).toBe('Strict');
    expect(session!.path).toBe('/');

    for (const path of ['/dashboard', '/account', '/']) {
      await page.goto(`${app.url}${path}`);
      const visible = await page.evaluate(() => document.cookie);
      expect(visible, `document.cookie on ${path}`).not.toContain('portcullis_session');
      expect(visible, `document.cookie on ${path}`).not.toContain(session!.value);
      // Writing a cookie of the same name from script must not replace or reveal the real one.
      await page.evaluate(() => {
        document.cookie = 'portcullis_session=forged; path=/';
      });
      expect(await page.evaluate(() => document.cookie)).not.toContain(session!.value);
    }
    // The HttpOnly cookie survived the script's attempt, and the user is still logged in.
    expect((await context.cookies(app.url)).find((c) => c.name === 'portcullis_session')?.value).toBe(session!.value);
    await page.goto(`${app.url}/dashboard`);
    expect(pathOf(page)).toBe('/dashboard');
    await context.close();
  });

  it('the back button after logout shows nothing private; private pages are sent no-store', async () => {
    const email = 'shared-computer@example.test';
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, email);
    expect(pathOf(page)).toBe('/dashboard');

    // Visit the private pages; each says no-store, and shows the e-mail (so its absence later means something).
    for (const path of ['/account', '/dashboard']) {
      const response = await page.goto(`${app.url}${path}`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['cache-control'], `Cache-Control of ${path}`).toContain('no-store');
      expect(await page.content()).toContain(email);
    }

    await logout(page);
    expect(pathOf(page)).toBe('/');
    expect(await page.content()).not.toContain(email);
    expect((await context.cookies(app.url)).map((c) => c.name)).not.toContain('portcullis_session');

    // Back: /dashboard again. The browser must not show the cached page; the server asks for a login.
    await page.goBack();
    await page.waitForLoadState();
    expect(await page.content(), `back to ${page.url()}`).not.toContain(email);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('#field-email').inputValue()).toBe('');

    // Further back: /account. Same.
    await page.goBack();
    await page.waitForLoadState();
    expect(await page.content(), `back to ${page.url()}`).not.toContain(email);

    // And forward again, through history.
    await page.goForward();
    await page.waitForLoadState();
    expect(await page.content(), `forward to ${page.url()}`).not.toContain(email);
    await context.close();
  });
});
