/**
 * Sign in with Apple's way of answering, in real Chromium: the reference server configured by
 * environment with the Apple preset (OAUTH_PROVIDERS=apple, its issuer pointed at a real OpenID
 * Connect provider on loopback — on `localhost`, another site than the app on 127.0.0.1). The preset
 * asks for `email`, so the provider answers with `response_mode=form_post`: its own auto-submitting
 * page POSTs the answer across sites, without the app's SameSite=Lax flow cookie. The person must
 * still land signed in, on the page they wanted.
 */
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../social/provider.ts';
import { freePort, launchBrowser, newContext, pathOf, startApp, type App } from './harness.ts';

describe('social sign-in by form_post in the browser', () => {
  let app: App;
  let op: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    op = await startTestProvider([`${origin}/auth/oauth/apple/callback`], { hostname: 'localhost' });
    app = await startApp({
      PORT: String(port),
      PUBLIC_URL: origin,
      OAUTH_PROVIDERS: 'apple',
      OAUTH_APPLE_CLIENT_ID: op.clientId,
      OAUTH_APPLE_CLIENT_SECRET: op.clientSecret,
      OAUTH_APPLE_ISSUER: op.issuer,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await op?.close();
  });

  it('the provider\'s auto-submitting cross-site POST lands the person signed in, on the page they wanted', async () => {
    op.accounts.set('ada-apple', { email: 'ada.apple@example.test', email_verified: true });
    const { context, report } = await newContext(browser);
    const page = await context.newPage();
    const posts: Request[] = [];
    const urls: string[] = [];
    page.on('request', (request) => {
      urls.push(request.url());
      if (request.method() === 'POST' && request.url().startsWith(`${app.url}/auth/oauth/apple/callback`)) posts.push(request);
    });
    await page.goto(`${app.url}/login?next=%2Fdashboard`);
    await page.click('a:has-text("Continue with Apple")');
    await page.waitForURL((url) => url.origin === op.issuer);
    const authorization = urls.find((url) => url.startsWith(`${op.issuer}/auth?`)) ?? '';
    expect(new URL(authorization).searchParams.get('response_mode')).toBe('form_post');
    await page.fill('input[name="login"]', 'ada-apple');
    await page.fill('input[name="password"]', 'whatever-the-provider-accepts');
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.origin === op.issuer && !url.pathname.endsWith('/login'));
    await page.click('button[type="submit"]');
    // The provider's form_post page submits itself to the app; ours navigates on, twice (continuation, then next).
    await page.waitForURL((url) => url.origin === app.url && url.pathname === '/dashboard');
    expect(pathOf(page)).toBe('/dashboard');
    expect(await page.locator('main').innerText()).toContain('ada.apple@example.test');

    // What made it work is what it had to be: one cross-site POST, without the flow cookie, no code in any URL of ours.
    expect(posts).toHaveLength(1);
    const post = posts[0] as Request;
    const headers = await post.allHeaders();
    expect(headers['sec-fetch-site']).toBe('cross-site');
    expect(headers.cookie ?? '').not.toContain('portcullis_oauth');
    const code = new URLSearchParams(post.postData() ?? '').get('code') ?? '';
    expect(code).not.toBe('');
    const ours = urls.filter((url) => url.startsWith(app.url));
    expect(ours.some((url) => url.includes('/auth/oauth/apple/callback/continue?handle='))).toBe(true);
    for (const url of ours) expect(url).not.toContain(code);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });
});
