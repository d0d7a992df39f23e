/**
 * Keyboard-only use (Tab to move, Enter to submit, nothing else), with the browser's console and
 * the page's CSP watched the whole time.
 *
 * Expected console errors — and only these: Chromium logs one line
 * "Failed to load resource: the server responded with a status of 401 (Unauthorized)" for each
 * form post that deliberately fails (a wrong password answers 401 with the re-shown form, as
 * API.md says), and "… status of 404 (Not Found)" for a deliberately visited missing page. Nothing
 * else may be logged as an error, no page script may throw, and no CSP violation may be reported.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, newContext, pathOf, startApp, type App, type PageReport } from './harness.ts';

/** A description of the focused element: `#id`, or `tag "text"` / `tag[href]` when it has no id. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    if (el.id) return `#${el.id}`;
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return `a[href="${el.getAttribute('href')}"]`;
    return `${tag} "${(el.textContent ?? '').trim()}"`;
  });
}

/** Presses Tab until `target` has focus; returns every stop on the way (target included). */
async function tabTo(page: Page, target: string, maxStops = 15): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    stops.push(now);
    if (now === target) return stops;
  }
  throw new Error(`Tab never reached ${target}; stops: ${stops.join(' → ')}`);
}

async function tab(page: Page): Promise<string> {
  await page.keyboard.press('Tab');
  return focused(page);
}

const EXPECTED_FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (401 \(Unauthorized\)|404 \(Not Found\))$/;

function expectClean(report: PageReport, expectedFailures: { 401?: number; 404?: number }): void {
  expect(report.pageErrors, 'uncaught page errors').toEqual([]);
  expect(report.cspViolations, 'CSP violations').toEqual([]);
  const unexpected = report.consoleErrors.filter((line) => !EXPECTED_FAILED_RESOURCE.test(line));
  expect(unexpected, 'console errors other than the expected failed posts').toEqual([]);
  expect(report.consoleErrors.filter((l) => l.includes('status of 401')).length, 'failed-resource lines for 401').toBe(expectedFailures[401] ?? 0);
  expect(report.consoleErrors.filter((l) => l.includes('status of 404')).length, 'failed-resource lines for 404').toBe(expectedFailures[404] ?? 0);
}

describe('keyboard only, with a clean console and no CSP violations', () => {
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

  it('the violation listener works: a forbidden inline script is reported (control for the assertions below)', async () => {
    // Proof that `cspViolations` would catch a real violation on the app's own pages: inject an
    // inline <script> element into a served page; the app's CSP must block it, and we must hear of it.
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${app.url}/login`);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true;';
      document.body.append(script);
    });
    await expect.poll(() => report.cspViolations.length).toBeGreaterThan(0);
    expect(report.cspViolations[0]).toMatch(/^script-src/);
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false)).toBe(false);
    await context.close();
  });

  it('registers, logs out, fails once and logs in with Tab and Enter only', async () => {
    const email = 'keys@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();

    // Registration: the first Tab reaches the skip link; the form's fields come in visual order.
    await page.goto(`${app.url}/register`);
    expect(await tab(page)).toBe('a[href="#main"]');
    const toEmail = await tabTo(page, '#field-email');
    // Before the form, only the page's navigation (brand, log in, register).
    expect(toEmail.slice(0, -1)).toEqual(['a[href="/"]', 'a[href="/login"]', 'a[href="/register"]']);
    await page.keyboard.type(email);
    expect(await tab(page)).toBe('#field-username');
    await page.keyboard.type('keys');
    expect(await tab(page)).toBe('#field-password');
    await page.keyboard.type(PASSWORD);
    expect(await tab(page)).toBe('button "Create account"');
    await Promise.all([page.waitForURL((u) => u.pathname === '/dashboard'), page.keyboard.press('Enter')]);
    expect(await page.locator('main h1').innerText()).toBe('Welcome, keys');

    // Log out with the keyboard: Tab to the nav's "Log out" button, Enter.
    await tabTo(page, 'button "Log out"', 12);
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
    expect(await page.locator('header').innerText()).not.toContain(email);

    // Login page: e-mail, password, "keep me signed in", then the button.
    await page.goto(`${app.url}/login`);
    await tabTo(page, '#field-email');
    await page.keyboard.type('keys');
    expect(await tab(page)).toBe('#field-password');
    await page.keyboard.type('Wrong-password-on-purpose-1');
    expect(await tab(page)).toBe('#field-remember');
    // Then the submit button; only links (e.g. "Forgot your password?") may sit in between, no other control.
    const toSubmit = await tabTo(page, 'button "Log in"', 4);
    expect(toSubmit.slice(0, -1).every((stop) => stop.startsWith('a[')), `stops before the button: ${toSubmit.join(' → ')}`).toBe(true);

    // A deliberate failure, submitted with Enter on the button: the generic message (one expected 401 line).
    await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/login'), page.keyboard.press('Enter')]);
    await page.waitForLoadState();
    expect((await page.locator('#form-error').innerText()).trim()).toBe('Invalid credentials');

    // Again, keyboard only; this time Enter in the password field submits the form.
    await page.goto(`${app.url}/login`);
    await tabTo(page, '#field-email');
    await page.keyboard.type(email);
    expect(await tab(page)).toBe('#field-password');
    await page.keyboard.type(PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === '/dashboard'), page.keyboard.press('Enter')]);
    expect(await page.locator('main').innerText()).toContain(`You are signed in as ${email}`);

    // Through the signed-in pages by keyboard: the dashboard's "Account" card opens with Enter.
    await tabTo(page, 'a[href="/account"]', 5);
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.keyboard.press('Enter')]);
    expect(pathOf(page)).toBe('/account');

    // A missing page, on purpose (one expected 404 line).
    const missing = await page.goto(`${app.url}/no-such-page`);
    expect(missing?.status()).toBe(404);

    expectClean(report, { 401: 1, 404: 1 });
    await context.close();
  });

  it('every page loads without console errors or CSP violations', async () => {
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    for (const path of ['/', '/register', '/login']) {
      const response = await page.goto(`${app.url}${path}`);
      expect(response?.status(), path).toBe(200);
      const sheets = await page.evaluate(() => Array.from(document.styleSheets).map((s) => s.href));
      expect(sheets, `${path} loads the stylesheet`).toEqual([`${app.url}/static/style.css`]);
    }
    // Signed in, including the admin area (the bootstrap admin).
    await page.goto(`${app.url}/register`);
    await page.fill('#field-email', app.adminEmail);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === '/dashboard'), page.press('#field-password', 'Enter')]);
    for (const path of ['/dashboard', '/account', '/admin', '/admin/audit', '/verify']) {
      const response = await page.goto(`${app.url}${path}`);
      expect(response?.status(), path).toBe(200);
      expect(pathOf(page)).toBe(path);
      const sheets = await page.evaluate(() => Array.from(document.styleSheets).map((s) => s.href));
      expect(sheets, `${path} loads the stylesheet`).toEqual([`${app.url}/static/style.css`]);
    }
    expectClean(report, {});
    await context.close();
  });
});
