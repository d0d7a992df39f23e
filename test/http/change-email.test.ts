/**
 * @module HTTP: change of e-mail and security notices, with a real SMTP server. A fresh session asks
 * (202, the same answer for a free and a taken address); the new address gets a single-use link; the
 * link moves the account and the old address is told, with nothing to click. A password change or
 * reset tells the account's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, errorShape, uniqueEmail, type Client } from './harness.ts';
import { createIdentityApp, linkIn, subjectOf, textOf, type IdentityApp } from './identity-helpers.ts';
import { tokenOfLink } from './password-helpers.ts';

const CLIENT = { ip: '127.0.0.1', secure: false, userAgent: 'test' };
const NEW_PASSWORD = 'marble otter cinnamon glacier 42';
let app: IdentityApp;

beforeAll(async () => {
  app = await createIdentityApp('required');
});
afterAll(async () => {
  await app?.dispose();
});

async function signedIn(label: string): Promise<{ email: string; client: Client; userId: string }> {
  const email = uniqueEmail(label);
  const { id } = await app.t.auth.admin.createUser({ email, password: PASSWORD }, CLIENT);
  const client = app.t.client();
  expect((await client.login({ email })).res.status).toBe(200);
  return { email, client, userId: id };
}

describe('change of e-mail', () => {
  it('asks with a fresh session, confirms from the new mailbox, and tells the old one without a link', async () => {
    const { email, client, userId } = await signedIn('mover');
    const target = uniqueEmail('new-home');
    const { res, body } = await client.json('/auth/change-email', { json: { new_email: target }, csrf: true });
    expect(res.status).toBe(202);
    expect(body).toEqual({ message: 'Check the new address for a link to confirm the change.' });
    // Nothing changes until the link is used.
    expect((await app.t.stores.users.findUserById(userId))?.email).toBe(email);

    const [mail] = await app.mailTo(target);
    expect(subjectOf(mail!)).toBe('Confirm your new e-mail address');
    const link = linkIn(mail!, '/confirm-email-change');
    const page = await app.t.client().send(new URL(link).pathname + new URL(link).search, { browser: true });
    expect(await page.text()).toContain('Use this address');

    const confirmed = await app.t.client().json<{ user: { email: string; id: string } }>('/auth/change-email/confirm', { json: { token: tokenOfLink(link) } });
    expect(confirmed.res.status).toBe(200);
    expect(confirmed.body.user).toMatchObject({ id: userId, email: target });
    const stored = await app.t.stores.users.findUserById(userId);
    expect(stored?.email).toBe(target);
    expect(stored?.emailConfirmedAtMs).toBe(app.t.clock.nowMs());

    const told = await app.mailTo(email);
    expect(told.map(subjectOf)).toEqual(['Your e-mail address was changed']);
    expect(textOf(told[0]!)).not.toMatch(/https?:\/\//);
    expect(textOf(told[0]!)).not.toContain(target);

    expect((await app.t.client().login({ email: target })).res.status).toBe(200);
    expect((await app.t.client().login({ email })).res.status).toBe(401);
  });

  it('an address another account holds gets the same answer, and no mail goes anywhere', async () => {
    const { client, userId } = await signedIn('greedy');
    const holder = uniqueEmail('holder');
    await app.t.auth.admin.createUser({ email: holder, password: PASSWORD }, CLIENT);
    const free = uniqueEmail('free');
    const taken = await client.json('/auth/change-email', { json: { new_email: holder }, csrf: true });
    const open = await client.json('/auth/change-email', { json: { new_email: free }, csrf: true });
    expect({ status: taken.res.status, body: taken.body }).toEqual({ status: open.res.status, body: open.body });
    expect(await app.mailTo(holder)).toHaveLength(0);
    expect(await app.mailTo(free)).toHaveLength(1);
    const { records } = await app.t.auth.admin.listAudit({ event: 'email.change_requested', userId, offset: 0, limit: 10 });
    expect(records.map((r) => r.reason).sort()).toEqual([null, 'taken']);
  });

  it('needs a fresh login (401 REAUTH_REQUIRED), a session (no bearer), and a well-formed address (400)', async () => {
    const { client } = await signedIn('stale');
    const bad = await client.json('/auth/change-email', { json: { new_email: '"x@evil.example"@victim.example' }, csrf: true });
    expect(bad.res.status).toBe(400);
    expect(errorShape(bad.body).fields).toHaveProperty('new_email');
    app.t.clock.advanceMs(11 * 60_000);
    const stale = await client.json('/auth/change-email', { json: { new_email: uniqueEmail('later') }, csrf: true });
    expect(stale.res.status).toBe(401);
    expect(stale.body).toEqual({ error: 'Re-authentication required', code: 'REAUTH_REQUIRED' });
    const anonymous = await app.t.client().json('/auth/change-email', { json: { new_email: uniqueEmail('anon') } });
    expect(anonymous.res.status).toBe(401);
  });
});

describe('security notices', () => {
  it('a password change tells the account address', async () => {
    const { email, client } = await signedIn('notice');
    const { res } = await client.json('/auth/change-password', { json: { password: PASSWORD, new_password: NEW_PASSWORD }, csrf: true });
    expect(res.status).toBe(200);
    const mails = await app.mailTo(email);
    expect(mails.map(subjectOf)).toEqual(['Your password was changed']);
    expect(textOf(mails[0]!)).toContain('from your account page');
  });
});
