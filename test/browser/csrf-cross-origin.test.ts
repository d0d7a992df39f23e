/**
 * Cross-site request forgery from a real browser. The victim (the bootstrap admin, logged in in
 * two browsers) visits the attacker's page on a second local origin; the page auto-submits a form
 * (its own external script: `form.submit()` on load) to log out, revoke a session, revoke all other
 * sessions, change the password, or grant the attacker the admin role. Every attempt must be
 * refused and change nothing; the victim stays logged in.
 *
 * Two attacker origins, because they take different defences:
 * - `http://localhost:<port2>` is another *site* than `http://127.0.0.1:<port>`: the SameSite=Strict
 *   session cookie is not even sent, so the app sees an anonymous request.
 * - `http://127.0.0.1:<port2>` is another *origin* but the same *site* (ports do not make sites;
 *   think of a sibling app on the same host): the cookie IS sent, and only the app's CSRF check
 *   (token + Origin) stands in the way — it must answer with the 403 page.
 */
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, launchBrowser, login, newContext, pathOf, register, rolesOf, startApp, startAttackerSite, userByEmail, type App, type AttackerSite } from './harness.ts';

const ATTACK_SCRIPT = `// The attacker's page: submit the forged form as soon as the page is parsed.
window.addEventListener('DOMContentLoaded', function () { document.getElementById('forged').submit(); });
`;

function attackPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>You won a prize!</title><script src="/attack.js"></script></head>
  <body>
  <h1>Claim your prize</h1>
  <form id="forged" method="post" action="${action}">
    ${inputs}
  </form>
  </body>
</html>`;
}

describe('forged forms from another origin are refused', () => {
  let app: App;
  let browser: Browser;
  let attacker: AttackerSite;
  const victimEmail = () => app.adminEmail;
  const malloryEmail = 'mallory@example.test';

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
    attacker = await startAttackerSite();
    attacker.set('/attack.js', ATTACK_SCRIPT, 'text/javascript; charset=utf-8');
    // The victim is the bootstrap admin; Mallory is an ordinary user who would like to be admin.
    for (const email of [app.adminEmail, malloryEmail]) {
      const { context } = await newContext(browser);
      await register(await context.newPage(), app, email);
      await context.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await attacker?.close();
    await app?.close();
  });

  /** The victim's page visits an attacker page; resolves with the app's answer to the forged POST. */
  async function visitAttack(page: Page, attackerOrigin: string, path: string, action: string, fields: Record<string, string> = {}): Promise<Response> {
    attacker.set(path, attackPage(action, fields));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === action && r.request().method() === 'POST'),
      page.goto(`${attackerOrigin}${path}`),
    ]);
    await page.waitForLoadState();
    // Follow method-keeping redirects (POST /logout answers 307 to POST /auth/logout) to the final answer.
    let request = response.request();
    for (let next = request.redirectedTo(); next && next.method() === 'POST'; next = request.redirectedTo()) request = next;
    return (await request.response()) ?? response;
  }

  const VARIANTS = [
    { name: 'cross-site attacker (localhost)', host: 'localhost', cookieSent: false },
    { name: 'same-site, cross-origin attacker (127.0.0.1, other port)', host: '127.0.0.1', cookieSent: true },
  ];

  type Ids = { victimId: string; malloryId: string; laptopSessionId: string };
  const ATTACKS: Array<{ name: string; path: string; action: (app: App, ids: Ids) => string; fields?: Record<string, string> }> = [
    { name: 'log out (POST /auth/logout, as the nav does)', path: '/logout.html', action: (a) => `${a.url}/auth/logout` },
    { name: 'log out (POST /logout)', path: '/logout-page.html', action: (a) => `${a.url}/logout` },
    {
      name: "revoke the victim's other session",
      path: '/revoke.html',
      action: (a, ids) => `${a.url}/auth/sessions/${encodeURIComponent(ids.laptopSessionId)}/revoke`,
      fields: { next: '/account' },
    },
    { name: 'log out all other sessions', path: '/revoke-others.html', action: (a) => `${a.url}/auth/sessions/revoke-others`, fields: { next: '/account' } },
    // Worst case: the attacker even knows the current password; the forged request must still fail.
    {
      name: 'change the password',
      path: '/change-password.html',
      action: (a) => `${a.url}/auth/change-password`,
      fields: { password: PASSWORD, new_password: 'Attacker-chosen-passphrase-99' },
    },
    { name: 'grant the attacker the admin role', path: '/grant.html', action: (a, ids) => `${a.url}/admin/users/${encodeURIComponent(ids.malloryId)}/roles`, fields: { role: 'admin' } },
  ];

  for (const variant of VARIANTS) {
    describe(variant.name, () => {
      for (const attack of ATTACKS) {
        it(`${attack.name}: refused, nothing changed, the victim is still logged in`, async () => {
          const attackerOrigin = `http://${variant.host}:${attacker.port}`;
          expect(new URL(attackerOrigin).origin).not.toBe(new URL(app.url).origin);
          const victim = await userByEmail(app, victimEmail());
          const mallory = await userByEmail(app, malloryEmail);
          const sessionsOf = async () => (await app.server.stores.sessions.listSessionsOfUser(victim.id)).map((s) => s.id);
          const existing = new Set(await sessionsOf());

          // The victim is logged in in two fresh browsers (the second so "revoke" has something to revoke).
          const main = await newContext(browser);
          const page = await main.context.newPage();
          await login(page, app, victimEmail());
          expect(pathOf(page)).toBe('/dashboard');
          const laptop = await newContext(browser);
          const laptopPage = await laptop.context.newPage();
          await login(laptopPage, app, victimEmail());
          expect(pathOf(laptopPage)).toBe('/dashboard');
          const newIds = (await sessionsOf()).filter((id) => !existing.has(id));
          expect(newIds).toHaveLength(2);

          const before = {
            passwordHash: victim.passwordHash,
            sessions: (await sessionsOf()).sort(),
            victimRoles: await rolesOf(app, victim.id),
            malloryRoles: await rolesOf(app, mallory.id),
          };
          expect(before.victimRoles).toEqual(['admin']);
          expect(before.malloryRoles).toEqual([]);

          // Which of the two new sessions is the laptop's: the one the main page's account page shows as "other".
          await page.goto(`${app.url}/account`);
          const otherRows = page.locator('section[aria-labelledby="sessions-heading"] tbody tr').filter({ hasNotText: 'This device' });
          const revokeActions = await otherRows.locator('form').evaluateAll((forms) => forms.map((f) => f.getAttribute('action') ?? ''));
          const laptopSessionId = newIds.find((id) => revokeActions.includes(`/auth/sessions/${encodeURIComponent(id)}/revoke`));
          expect(laptopSessionId).toBeDefined();

          const action = attack.action(app, { victimId: victim.id, malloryId: mallory.id, laptopSessionId: laptopSessionId! });
          const response = await visitAttack(page, attackerOrigin, attack.path, action, attack.fields);
          const label = `${attack.path} → ${response.status()} ${pathOf(page)}`;
          expect(attacker.requests).toContain('GET /attack.js');

          // Was the session cookie sent with the forged POST? Only when the attacker is same-site.
          const cookie = (await response.request().headerValue('cookie')) ?? '';
          expect(cookie.includes('portcullis_session='), `${label}: session cookie sent`).toBe(variant.cookieSent);
          if (variant.cookieSent) {
            // The cookie rode along: the app's CSRF check must refuse it with the 403 page.
            expect(response.status(), label).toBe(403);
            expect((await page.locator('.error-status').textContent())?.trim(), label).toBe('Error 403');
          } else {
            // No cookie: the app saw an anonymous request. Whatever it answered, no success flash for the attacker.
            expect(response.status(), label).toBeGreaterThanOrEqual(300);
            const flash = (await page.locator('.flash').count()) > 0 ? await page.locator('.flash').innerText() : '';
            expect(flash, label).not.toMatch(/revoked|granted|logged out|password/i);
          }

          // Nothing changed on the server.
          expect((await sessionsOf()).sort(), `${label}: sessions`).toEqual(before.sessions);
          expect(await rolesOf(app, mallory.id), `${label}: Mallory's roles`).toEqual([]);
          expect(await rolesOf(app, victim.id), `${label}: victim's roles`).toEqual(['admin']);
          expect((await userByEmail(app, victimEmail())).passwordHash, `${label}: password hash`).toBe(before.passwordHash);

          // Nothing changed in the victim's browsers either: both still logged in.
          const cookiesAfter = await main.context.cookies(app.url);
          expect(cookiesAfter.map((c) => c.name), `${label}: the victim's browser still holds its session cookie`).toContain('portcullis_session');
          await page.goto(`${app.url}/dashboard`);
          expect(pathOf(page), `${label}: victim still logged in`).toBe('/dashboard');
          expect(await page.locator('header').innerText()).toContain(victimEmail());
          await laptopPage.goto(`${app.url}/dashboard`);
          expect(pathOf(laptopPage), `${label}: the other session still logged in`).toBe('/dashboard');

          if (attack.path === '/grant.html') {
            await page.goto(`${app.url}/admin?q=${encodeURIComponent(malloryEmail)}`);
            const malloryRow = page.locator('tbody tr', { has: page.locator('.user-email', { hasText: malloryEmail }) });
            expect(await malloryRow.locator('td[data-label="Roles"]').innerText()).toContain('No roles');
          }
          if (attack.path === '/change-password.html') {
            // The old password still works, the attacker's does not.
            const check = await newContext(browser);
            const checkPage = await check.context.newPage();
            await login(checkPage, app, victimEmail(), 'Attacker-chosen-passphrase-99');
            expect(pathOf(checkPage)).toBe('/auth/login');
            await login(checkPage, app, victimEmail(), PASSWORD);
            expect(pathOf(checkPage)).toBe('/dashboard');
            await check.context.close();
          }

          await main.context.close();
          await laptop.context.close();
          // Leave no sessions behind for the next test's bookkeeping.
          for (const id of newIds) await app.server.stores.sessions.deleteSession(id);
        });
      }
    });
  }
});
