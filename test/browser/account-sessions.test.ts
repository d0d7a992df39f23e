/**
 * The life of a session as a person sees it: register, land on the dashboard, log out, log in,
 * find this device on the account page, and end it from a second browser.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, logout, mainText, newContext, pathOf, register, startApp, userByEmail, type App } from './harness.ts';

describe('register, log in, and revoke a session from another browser', () => {
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

  it('register → dashboard → log out → log in → account shows this device → revoked from a second context → logged out', async () => {
    const email = 'ada@example.test';
    const first = await newContext(browser);
    const page = await first.context.newPage();

    // Register: the dashboard greets the new user.
    await register(page, app, email);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await mainText(page)).toContain(`You are signed in as ${email}`);
    expect(await page.locator('.flash').innerText()).toContain('Welcome! Your account is ready.');

    // Log out: back on the home page, logged out, with the nav offering to log in.
    await logout(page);
    expect(pathOf(page)).toBe('/');
    expect(await page.locator('.flash').innerText()).toContain('You have been logged out.');
    expect(await page.locator('header').innerText()).not.toContain(email);
    expect(await page.locator('header a[href="/login"]').count()).toBe(1);

    // Log in again.
    await login(page, app, email);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await page.locator('.flash').innerText()).toContain('You are logged in.');

    // The account page lists exactly this session, marked "This device", with nothing to revoke.
    await page.goto(`${app.url}/account`);
    const sessionRows = page.locator('section[aria-labelledby="sessions-heading"] tbody tr');
    expect(await sessionRows.count()).toBe(1);
    expect(await sessionRows.first().innerText()).toContain('This device');
    expect(await sessionRows.first().innerText()).toContain('Chrome on Linux');
    expect(await sessionRows.first().innerText()).toContain('127.0.0.1');
    expect(await page.locator('section[aria-labelledby="sessions-heading"]').innerText()).toContain('This is your only active session.');

    const user = await userByEmail(app, email);
    const [firstSession] = await app.server.stores.sessions.listSessionsOfUser(user.id);
    expect(firstSession).toBeDefined();

    // A second browser logs in as the same user and sees two sessions: its own, and the first one.
    const second = await newContext(browser);
    const other = await second.context.newPage();
    await login(other, app, email);
    expect(pathOf(other)).toBe('/dashboard');
    await other.goto(`${app.url}/account`);
    const otherRows = other.locator('section[aria-labelledby="sessions-heading"] tbody tr');
    expect(await otherRows.count()).toBe(2);
    const current = otherRows.filter({ hasText: 'This device' });
    expect(await current.count()).toBe(1);
    const notCurrent = otherRows.filter({ hasNotText: 'This device' });
    expect(await notCurrent.count()).toBe(1);

    // The revoke form of the other row targets the first context's session.
    const revokeForm = notCurrent.locator('form');
    expect(await revokeForm.getAttribute('action')).toBe(`/auth/sessions/${encodeURIComponent(firstSession!.id)}/revoke`);
    await Promise.all([other.waitForNavigation(), notCurrent.getByRole('button', { name: /Revoke session/ }).click()]);
    expect(pathOf(other)).toBe('/account');
    expect(await other.locator('.flash').innerText()).toContain('The session was revoked.');
    expect(await otherRows.count()).toBe(1);
    expect(await otherRows.first().innerText()).toContain('This device');

    // On the server: only the second context's session is left.
    const left = await app.server.stores.sessions.listSessionsOfUser(user.id);
    expect(left.map((s) => s.id)).not.toContain(firstSession!.id);
    expect(left).toHaveLength(1);

    // The first browser's next navigation finds itself logged out: the login page, nothing private.
    await page.goto(`${app.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard');
    expect(await page.locator('#field-email').count()).toBe(1);
    expect(await page.content()).not.toContain(email);

    // The second browser is still logged in.
    await other.goto(`${app.url}/dashboard`);
    expect(pathOf(other)).toBe('/dashboard');

    await first.context.close();
    await second.context.close();
  });
});
