/**
 * Social sign-in in real Chromium: the reference server configured by environment
 * (OAUTH_PROVIDERS=corp, OAUTH_CORP_*), a real OpenID Connect provider (oidc-provider) on loopback,
 * and a person clicking "Continue with Corp ID", signing in on the provider's own login and consent
 * pages, and landing back in the app signed in — then linking nothing silently.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../social/provider.ts';
import { freePort, launchBrowser, newContext, pathOf, register, logout, startApp, type App } from './harness.ts';

describe('social sign-in in the browser', () => {
  let app: App;
  let op: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // On `localhost`, another site than the app on 127.0.0.1: the round trip is cross-site, as with a real provider.
    op = await startTestProvider([`${origin}/auth/oauth/corp/callback`], { hostname: 'localhost' });
    app = await startApp({
      PORT: String(port),
      PUBLIC_URL: origin,
      OAUTH_PROVIDERS: 'corp',
      OAUTH_CORP_CLIENT_ID: op.clientId,
      OAUTH_CORP_CLIENT_SECRET: op.clientSecret,
      OAUTH_CORP_ISSUER: op.issuer,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await op?.close();
  });

  it('signs a new person in through the provider\'s real login and consent pages, back to the page they wanted', async () => {
    op.accounts.set('ada', { email: 'ada@example.test', email_verified: true });
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${app.url}/login?next=%2Fdashboard`);
    await page.click('a:has-text("Continue with corp")');
    // The provider's own pages (oidc-provider's login form, then its consent form).
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.fill('input[name="login"]', 'ada');
    await page.fill('input[name="password"]', 'whatever-the-provider-accepts');
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === op.issuer && !url.pathname.endsWith('/login'));
    await page.click('button[type="submit"]');
    // Back across sites: the callback's page navigates on to /dashboard, where the new session is seen.
    await page.waitForURL((url) => url.origin === app.url && url.pathname !== '/auth/oauth/corp/callback');
    expect(pathOf(page)).toBe('/dashboard');
    expect(await page.locator('main').innerText()).toContain('ada@example.test');
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });

  it('links the provider from the account page after a password login, across sites, and lists it there', async () => {
    op.accounts.set('linus-at-corp', { email: 'linus.elsewhere@example.test', email_verified: true });
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, 'linus@example.test');
    await page.goto(`${app.url}/account`);
    await page.click('form[action="/auth/identities/corp/link"] button[type="submit"]');
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.fill('input[name="login"]', 'linus-at-corp');
    await page.fill('input[name="password"]', 'x');
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === op.issuer && !url.pathname.endsWith('/login'));
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === app.url && url.pathname === '/account');
    const section = await page.locator('section[aria-labelledby="linked-heading"]').innerText();
    expect(section).toContain('linus.elsewhere@example.test');
    await context.close();
  });

  it('refuses to link an e-mail an account already holds, and says what to do instead', async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    await register(page, app, 'grace@example.test');
    await logout(page);
    op.accounts.set('grace-at-corp', { email: 'grace@example.test', email_verified: true });
    await page.goto(`${app.url}/login`);
    await page.click('a:has-text("Continue with corp")');
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.fill('input[name="login"]', 'grace-at-corp');
    await page.fill('input[name="password"]', 'x');
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === op.issuer && !url.pathname.endsWith('/login'));
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === app.url);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Sign in to it first');
    const me = await page.request.get(`${app.url}/auth/me`, { headers: { accept: 'application/json' } });
    expect(me.status()).toBe(401);
    await context.close();
  });
});
