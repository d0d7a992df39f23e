/**
 * The whole verified-identity journey (#16) in real Chromium against the real server, with the
 * defaults a new site gets (EMAIL_CONFIRMATION=required) and EMAIL_SIGNIN=on: sign up on /register,
 * confirm from the mail, sign in, change the e-mail from /account, confirm the new address from the
 * mail sent to it, see that the old address got a notice with nothing to click, sign out, and sign in
 * by e-mail code at the NEW address. Mails are read where a developer reads them: /dev/mail.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, login, logout, mainText, newContext, pathOf, register, startApp, type App } from './harness.ts';

interface Mail {
  readonly subject: string;
  readonly to: string;
  readonly text: string;
}

/** The messages /dev/mail lists, as a person reads them there (subject heading, "To …" line, body). */
async function readOutbox(context: BrowserContext, app: App): Promise<Mail[]> {
  const page = await context.newPage();
  try {
    await page.goto(`${app.url}/dev/mail`);
    const cards = page.locator('main section.card');
    const mails: Mail[] = [];
    for (let i = 0; i < (await cards.count()); i += 1) {
      const card = cards.nth(i);
      const meta = (await card.locator('p.muted').innerText()).trim();
      mails.push({
        subject: (await card.locator('h2').innerText()).trim(),
        to: /^To (\S+?),/.exec(meta)?.[1] ?? meta,
        text: await card.locator('pre.mail-text').innerText(),
      });
    }
    return mails;
  } finally {
    await page.close();
  }
}

/**
 * Some mails are sent off the request: looks again (briefly) until one to `to` is there whose
 * subject is `subject` (or whose text matches it, for a pattern).
 */
async function mailTo(context: BrowserContext, app: App, to: string, subject: string | RegExp, page: Page): Promise<Mail> {
  const matches = (m: Mail) => m.to === to && (typeof subject === 'string' ? m.subject === subject : subject.test(m.text));
  for (let tries = 0; tries < 50; tries += 1) {
    const found = (await readOutbox(context, app)).find(matches);
    if (found) return found;
    await page.waitForTimeout(100);
  }
  const all = await readOutbox(context, app);
  throw new Error(`no mail "${String(subject)}" to ${to}; outbox: ${all.map((m) => `${m.to}: ${m.subject}`).join(' | ')}`);
}

async function flash(page: Page): Promise<string> {
  return (await page.locator('.flash').innerText()).trim();
}

describe('the verified-identity journey', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    // EMAIL_CONFIRMATION is set to the default on purpose (the harness turns it off for other tests).
    app = await startApp({ EMAIL_CONFIRMATION: 'required', EMAIL_SIGNIN: 'on' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs up, confirms, changes the address, and signs in by e-mail code at the new one', async () => {
    const oldEmail = 'journey.old@example.test';
    const newEmail = 'journey.new@example.test';
    const { context, report } = await newContext(browser);
    const page = await context.newPage();

    // 1. Sign up: no session yet, the page says to check the mail.
    await register(page, app, oldEmail);
    expect(pathOf(page)).toBe('/login');
    expect(await flash(page)).toContain('Check your e-mail to finish signing up.');
    await page.goto(`${app.url}/dashboard`);
    expect(pathOf(page).startsWith('/login?')).toBe(true);

    // 2. The confirmation mail, to the address signed up with; its link and button confirm and sign in.
    const confirmation = await mailTo(context, app, oldEmail, 'Confirm your e-mail address', page);
    const confirmLink = /http:\/\/127\.0\.0\.1:\d+\/confirm\?token=pccf_[\w-]{43}/.exec(confirmation.text)?.[0];
    expect(confirmLink, confirmation.text).toBeDefined();
    await page.goto(confirmLink ?? '');
    expect(await page.locator('main h1, main h2').first().innerText()).toContain('Confirm your e-mail address');
    const [confirmed] = await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/confirm"] button[type="submit"]')]);
    expect(confirmed?.status(), await mainText(page)).toBe(200);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await flash(page)).toContain('Your e-mail address is confirmed.');

    // 3. Signs out and in with the password: the confirmed account is let in.
    await logout(page);
    await login(page, app, oldEmail, PASSWORD);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await mainText(page)).toContain(oldEmail);

    // 4. Changes the address from /account: the login is fresh, so the app does not ask for the password again.
    await page.goto(`${app.url}/account`);
    expect(await page.locator('#profile-heading').innerText()).toBe('Profile');
    expect(await page.locator('#profile-heading + dl').innerText()).toContain(oldEmail);
    await page.fill('form[action="/auth/change-email"] input[name="new_email"]', newEmail);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/change-email"] button[type="submit"]')]);
    expect(pathOf(page)).toBe('/account');
    expect(await flash(page)).toContain('Check the new address for a link to confirm the change.');
    // Nothing changed yet: the account still shows the old address.
    expect(await page.locator('#profile-heading + dl').innerText()).toContain(oldEmail);

    // 5. The link went to the NEW address; its page's button moves the account.
    const change = await mailTo(context, app, newEmail, 'Confirm your new e-mail address', page);
    const changeLink = /http:\/\/127\.0\.0\.1:\d+\/[\w/-]+\?token=pcce_[\w%-]+/.exec(change.text)?.[0];
    expect(changeLink, change.text).toBeDefined();
    await page.goto(changeLink ?? '');
    expect(await mainText(page)).toContain('Confirm your new e-mail address');
    const [changed] = await Promise.all([
      page.waitForNavigation(),
      page.click('form[action="/auth/change-email/confirm"] button[type="submit"]'),
    ]);
    expect(changed?.status(), await mainText(page)).toBe(200);
    expect(pathOf(page)).toBe('/account');
    expect(await flash(page)).toContain('Your e-mail address has been changed.');
    const profile = await page.locator('#profile-heading + dl').innerText();
    expect(profile).toContain(newEmail);
    expect(profile).not.toContain(oldEmail);

    // 6. The OLD address was told, masked, with nothing to click.
    const notice = await mailTo(context, app, oldEmail, 'Your e-mail address was changed', page);
    expect(notice.text).toContain('j•••@example.test');
    expect(notice.text).not.toContain(newEmail);
    expect(notice.text).not.toMatch(/https?:\/\//);
    expect(notice.text).not.toMatch(/token=|pcc[a-z]_/);

    // 7. Signs out; the old address no longer signs in with the password.
    await logout(page);
    await login(page, app, oldEmail, PASSWORD);
    expect(pathOf(page)).not.toBe('/dashboard');
    expect(await mainText(page)).toContain('Invalid credentials');

    // 8. Signs in by e-mail code at the NEW address: /login → "Sign in by e-mail" → code from the mail.
    await page.goto(`${app.url}/login`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/login/email'), page.click('a[href="/login/email"]')]);
    await page.fill('#field-email', newEmail);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login/email/code'),
      page.click('form[action="/auth/email-signin"] button[type="submit"]'),
    ]);
    expect(await flash(page)).toContain('a sign-in code is on its way');
    const signin = (await mailTo(context, app, newEmail, /sign-in code is \d{6}/, page)).text;
    const code = /sign-in code is (\d{6})/.exec(signin)?.[1];
    expect(code, signin).toBeDefined();
    await page.fill('#field-email', newEmail);
    await page.fill('#field-code', code ?? '');
    await Promise.all([
      page.waitForURL((u) => u.pathname !== '/login/email/code'),
      page.click('form[action="/auth/email-signin/verify"] button[type="submit"]'),
    ]);
    expect(pathOf(page)).toBe('/dashboard');
    expect(await mainText(page)).toContain(newEmail);
    await page.goto(`${app.url}/account`);
    expect(await page.locator('#profile-heading + dl').innerText()).toContain(newEmail);

    // Chromium logs only the refusal this test provokes on purpose (the old address's password login).
    expect(report.consoleErrors, report.consoleErrors.join('\n')).toHaveLength(1);
    expect(report.consoleErrors[0]).toMatch(/Failed to load resource: the server responded with a status of 401/);
    expect(report.pageErrors).toEqual([]);
    expect(report.cspViolations).toEqual([]);
    await context.close();
  });
});
