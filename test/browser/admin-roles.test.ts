/**
 * The admin area as an administrator and as an ordinary user use it: the bootstrap admin grants a
 * role on /admin (confirming the password if the app asks); the grant ends the user's session (a
 * privilege change means a new token), the user logs in again and carries the role, and /admin
 * stays closed to the user with the friendly 403 page.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, confirmPasswordIfAsked, launchBrowser, logout, mainText, newContext, pathOf, register, rolesOf, startApp, userByEmail, type App } from './harness.ts';

describe('granting a role on /admin', () => {
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

  it('the admin grants "editor"; the user is signed out, logs in again and sees it; /admin answers the user with 403', async () => {
    const userEmail = 'lin@example.test';

    // The user registers and stays logged in in their own browser.
    const userSide = await newContext(browser);
    const userPage = await userSide.context.newPage();
    await register(userPage, app, userEmail);
    expect(pathOf(userPage)).toBe('/dashboard');
    expect(await userPage.locator('section[aria-labelledby="roles-heading"]').innerText()).toContain('No roles');
    const user = await userByEmail(app, userEmail);
    expect(await rolesOf(app, user.id)).toEqual([]);

    // The bootstrap admin registers (and so becomes admin), then opens /admin.
    const adminSide = await newContext(browser);
    const adminPage = await adminSide.context.newPage();
    await register(adminPage, app, app.adminEmail);
    expect(pathOf(adminPage)).toBe('/dashboard');
    expect(await adminPage.locator('header a[href="/admin"]').count()).toBe(1);
    await adminPage.goto(`${app.url}/admin`);
    expect(pathOf(adminPage)).toBe('/admin');
    expect(await adminPage.locator('h1').innerText()).toBe('Administration');

    // The user's row: no roles yet; choose "editor" and grant it.
    const row = adminPage.locator('tbody tr', { has: adminPage.locator('.user-email', { hasText: userEmail }) });
    expect(await row.count()).toBe(1);
    expect(await row.locator('td[data-label="Roles"]').innerText()).toContain('No roles');
    await row.getByLabel(`Role to grant to ${userEmail}`).selectOption('editor');
    await Promise.all([adminPage.waitForNavigation(), row.getByRole('button', { name: `Grant the selected role to ${userEmail}` }).click()]);

    // A fresh login may be asked for first; after confirming, the grant goes through.
    if (await confirmPasswordIfAsked(adminPage)) {
      // Back from /verify: the POST was not replayed automatically; grant again now that the login is fresh.
      if (pathOf(adminPage) !== '/admin' || (await adminPage.locator('.flash').count()) === 0 || !(await adminPage.locator('.flash').innerText()).includes('Role granted.')) {
        await adminPage.goto(`${app.url}/admin`);
        const again = adminPage.locator('tbody tr', { has: adminPage.locator('.user-email', { hasText: userEmail }) });
        await again.getByLabel(`Role to grant to ${userEmail}`).selectOption('editor');
        await Promise.all([adminPage.waitForNavigation(), again.getByRole('button', { name: `Grant the selected role to ${userEmail}` }).click()]);
      }
    }
    expect(pathOf(adminPage)).toBe('/admin');
    expect(await adminPage.locator('.flash').innerText()).toContain('Role granted.');
    const rowAfter = adminPage.locator('tbody tr', { has: adminPage.locator('.user-email', { hasText: userEmail }) });
    expect(await rowAfter.locator('.role-chip').allInnerTexts()).toEqual([expect.stringContaining('editor')]);
    expect(await rolesOf(app, user.id)).toEqual(['editor']);

    // The grant is in the audit log, with the admin as actor.
    await adminPage.goto(`${app.url}/admin/audit?event=role.granted`);
    expect(await mainText(adminPage)).toContain('role.granted');

    // The old session ended with the grant: the user's next request goes to the login page, and
    // after logging in (a new session, a new token) the dashboard shows the new role.
    const sessionCookie = async () => (await userSide.context.cookies()).find((cookie) => cookie.name === 'portcullis_session')?.value;
    const oldToken = await sessionCookie();
    await userPage.goto(`${app.url}/dashboard`);
    expect(pathOf(userPage)).toBe('/login?next=%2Fdashboard');
    await userPage.fill('#field-email', userEmail);
    await userPage.fill('#field-password', PASSWORD);
    await Promise.all([userPage.waitForURL((u) => u.pathname === '/dashboard'), userPage.click('form[action="/auth/login"] button[type="submit"]')]);
    expect(await userPage.locator('section[aria-labelledby="roles-heading"] .badge').allInnerTexts()).toEqual(['editor']);
    expect(await sessionCookie()).not.toBe(oldToken);

    // /admin stays refused to the user: the friendly 403 page, no admin content, no admin link.
    const response = await userPage.goto(`${app.url}/admin`);
    expect(response?.status()).toBe(403);
    expect(pathOf(userPage)).toBe('/admin');
    expect((await userPage.locator('.error-status').textContent())?.trim()).toBe('Error 403');
    const text = await mainText(userPage);
    expect(text).not.toContain('Administration');
    expect(text).not.toContain(app.adminEmail);
    expect(await userPage.locator('header a[href="/admin"]').count()).toBe(0);
    // The audit log too.
    const audit = await userPage.goto(`${app.url}/admin/audit`);
    expect(audit?.status()).toBe(403);

    await logout(userPage);
    await userSide.context.close();
    await adminSide.context.close();
  });
});
