/**
 * @module HTTP: confirming the e-mail address (EMAIL_CONFIRMATION), with a real SMTP server receiving
 * every mail. `required`: registration answers 202 and signs nobody in; the right password of an
 * unconfirmed account answers 403 CONFIRMATION_REQUIRED at every door and mails a new link; the
 * link (a page with a button, then POST /auth/confirm) confirms and signs in. `optional`: signed in
 * at once, with a banner until confirmed. `off`: no mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, csrfFromHtml, errorShape, uniqueEmail } from './harness.ts';
import { confirmTokenIn, createIdentityApp, linkIn, subjectOf, type IdentityApp } from './identity-helpers.ts';

const CONFIRMATION_REQUIRED = { error: 'Confirm your e-mail address first', code: 'CONFIRMATION_REQUIRED' };
const basic = (identity: string, password: string) => `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}`;

describe('EMAIL_CONFIRMATION=required (the default)', () => {
  let app: IdentityApp;
  beforeAll(async () => {
    app = await createIdentityApp('required');
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('registration answers 202 without a session, and mails a link that confirms and signs in', async () => {
    const email = uniqueEmail('confirm');
    const client = app.t.client();
    const { res, body } = await client.register({ email });
    expect(res.status).toBe(202);
    expect(body).toEqual({ message: 'Check your e-mail to finish signing up.' });
    expect(client.sessionToken).toBeUndefined();
    // The account is written off the request (generic registration: the answer never waits on it).
    await app.t.auth.flush();
    const stored = await app.t.stores.users.findUserByEmailKey(email.toLowerCase());
    expect(stored?.emailConfirmedAtMs).toBeNull();

    const mails = await app.mailTo(email);
    expect(mails).toHaveLength(1);
    expect(subjectOf(mails[0]!)).toBe('Confirm your e-mail address');
    const link = linkIn(mails[0]!, '/confirm');
    expect(link.startsWith('http://localhost:3000/confirm?token=pccf_')).toBe(true);

    // The link's page shows a button; opening it spends nothing (mail scanners prefetch links).
    const page = await client.send(new URL(link).pathname + new URL(link).search, { browser: true });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Confirm my address');
    expect((await app.t.stores.users.findUserByEmailKey(email.toLowerCase()))?.emailConfirmedAtMs).toBeNull();

    const form = await client.postForm('/auth/confirm', { token: confirmTokenIn(mails[0]!), csrf_token: csrfFromHtml(html) ?? '' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/');
    expect(client.sessionToken).toBeDefined();
    const me = await client.me();
    expect(me.body.user?.email).toBe(email);
    expect((await app.t.stores.users.findUserByEmailKey(email.toLowerCase()))?.emailConfirmedAtMs).toBe(app.t.clock.nowMs());
    expect((await app.t.client().login({ email })).res.status).toBe(200);
  });

  it('JSON confirm answers 200 {user, csrf_token} and a session cookie', async () => {
    const email = uniqueEmail('confirm-json');
    await app.t.client().register({ email });
    const [mail] = await app.mailTo(email);
    const client = app.t.client();
    const { res, body } = await client.json<{ user: { email: string }; csrf_token: string }>('/auth/confirm', { json: { token: confirmTokenIn(mail!) } });
    expect(res.status).toBe(200);
    expect(body.user.email).toBe(email);
    expect(typeof body.csrf_token).toBe('string');
    expect(client.sessionToken).toBeDefined();
    expect((await client.me()).res.status).toBe(200);
  });

  it('the right password of an unconfirmed account answers 403 CONFIRMATION_REQUIRED at every door and mails a new link', async () => {
    const email = uniqueEmail('unconfirmed');
    await app.t.client().register({ email });
    expect(await app.mailTo(email)).toHaveLength(1);

    const login = await app.t.client().login({ email });
    expect(login.res.status).toBe(403);
    expect(login.body).toEqual(CONFIRMATION_REQUIRED);
    expect(login.res.headers.getSetCookie().some((c) => c.startsWith('portcullis_session='))).toBe(false);

    const token = await app.t.client().json('/auth/token', { json: { email, password: PASSWORD } });
    expect(token.res.status).toBe(403);
    expect(token.body).toEqual(CONFIRMATION_REQUIRED);

    const viaBasic = await app.t.client().json('/api/docs', { headers: { authorization: basic(email, PASSWORD) } });
    expect(viaBasic.res.status).toBe(403);
    expect(viaBasic.body).toEqual(CONFIRMATION_REQUIRED);

    // The budget (3 an hour) allowed the registration's mail and two more.
    const mails = await app.mailTo(email);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => subjectOf(m) === 'Confirm your e-mail address')).toBe(true);

    // A browser sees the login form again with the reason.
    const form = await app.t.client().postForm('/auth/login', { email, password: PASSWORD }, { csrfFrom: '/login' });
    expect(form.status).toBe(403);
    expect(await form.text()).toContain('Confirm your e-mail address first');
  });

  it('a wrong password of an unconfirmed account answers exactly as for an unknown account', async () => {
    const email = uniqueEmail('unconfirmed-wrong');
    await app.t.client().register({ email });
    await app.t.auth.flush();
    const wrong = await app.t.client().login({ email, password: 'not the password at all' });
    const unknown = await app.t.client().login({ email: uniqueEmail('nobody'), password: 'not the password at all' });
    expect(wrong.res.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(errorShape(wrong.body).code).toBe('INVALID_CREDENTIALS');
  });

  it('resend answers the same for an unconfirmed, a confirmed and an unknown address; only the unconfirmed one gets mail', async () => {
    const waiting = uniqueEmail('resend-waiting');
    await app.t.client().register({ email: waiting });
    await app.t.auth.flush();
    const confirmed = uniqueEmail('resend-confirmed');
    await app.t.auth.admin.createUser({ email: confirmed, password: PASSWORD }, { ip: '127.0.0.1', secure: false, userAgent: 'test' });
    const unknown = uniqueEmail('resend-unknown');
    const answers = [];
    for (const email of [waiting, confirmed, unknown]) {
      const { res, body } = await app.t.client().json('/auth/confirm/resend', { json: { email } });
      answers.push({ status: res.status, body });
    }
    expect(answers[0]).toEqual({ status: 200, body: { message: 'If that address has an account waiting for confirmation, a new link is on its way.' } });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await app.mailTo(waiting)).toHaveLength(2);
    expect(await app.mailTo(confirmed)).toHaveLength(0);
    expect(await app.mailTo(unknown)).toHaveLength(0);
  });

  it('a malformed address on resend is 400 on the field', async () => {
    const { res, body } = await app.t.client().json('/auth/confirm/resend', { json: { email: '"a@evil.example"@victim.example' } });
    expect(res.status).toBe(400);
    expect(errorShape(body).fields).toHaveProperty('email');
  });

  it('an account made by an operator (admin.createUser) counts as confirmed and signs in', async () => {
    const email = uniqueEmail('operator');
    await app.t.auth.admin.createUser({ email, password: PASSWORD }, { ip: '127.0.0.1', secure: false, userAgent: 'test' });
    expect((await app.t.client().login({ email })).res.status).toBe(200);
  });
});

describe('EMAIL_CONFIRMATION=optional', () => {
  let app: IdentityApp;
  beforeAll(async () => {
    app = await createIdentityApp('optional');
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('registration signs in at once and mails a link; pages show a banner until the address is confirmed', async () => {
    const email = uniqueEmail('optional');
    const client = app.t.client();
    const { res } = await client.register({ email });
    expect(res.status).toBe(201);
    expect(client.sessionToken).toBeDefined();
    const dashboard = await client.send('/dashboard', { browser: true });
    expect(await dashboard.text()).toContain('Please confirm your e-mail address');
    const [mail] = await app.mailTo(email);
    expect((await client.json('/auth/confirm', { json: { token: confirmTokenIn(mail!) }, csrf: true })).res.status).toBe(200);
    const after = await client.send('/dashboard', { browser: true });
    expect(await after.text()).not.toContain('Please confirm your e-mail address');
    expect((await app.t.client().login({ email })).res.status).toBe(200);
  });

  it('an unconfirmed account signs in with its password', async () => {
    const email = uniqueEmail('optional-login');
    await app.t.client().register({ email });
    expect((await app.t.client().login({ email })).res.status).toBe(200);
  });
});

describe('EMAIL_CONFIRMATION=off', () => {
  let app: IdentityApp;
  beforeAll(async () => {
    app = await createIdentityApp('off');
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('registration signs in and sends no mail', async () => {
    const email = uniqueEmail('off');
    const { res } = await app.t.client().register({ email });
    expect(res.status).toBe(201);
    expect(await app.mailTo(email)).toHaveLength(0);
  });
});
