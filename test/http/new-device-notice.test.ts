/**
 * @module HTTP: the new-device notice (`NOTIFY_NEW_DEVICE`), through a real SMTP server
 * (smtp-server). Off: no mail. On: the first sign-in (at registration) and later sign-ins from the
 * same device mail nothing; a sign-in from another browser or another network mails the account
 * once — when, which browser, which IP, where to look — with no link that acts; ten sign-ins
 * racing from one new device make exactly one mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { createTestApp, type Overrides, type TestApp } from './harness.ts';
import { enrolTotp, pendingSignIn, totpCode } from './mfa-helpers.ts';
import { decodeMail, startSmtpSink, type SmtpSink } from './password-helpers.ts';

const SUBJECT = 'New sign-in to your account';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
});

async function appWith(notifyNewDevice: boolean, extra: Overrides = {}): Promise<TestApp> {
  return createTestApp({ mailer: createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>'), identity: { confirmation: 'off', notifyNewDevice }, ...extra });
}

const noticesTo = (email: string) => sink.to(email).filter((mail) => decodeMail(mail.raw).headers.includes(`Subject: ${SUBJECT}`));

describe('NOTIFY_NEW_DEVICE off (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await appWith(false);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a sign-in from another browser and network mails nothing', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    expect((await t.client({ userAgent: CHROME }).login({ email: user.email })).res.status).toBe(200);
    await t.auth.flush();
    expect(sink.to(user.email)).toEqual([]);
  });
});

describe('NOTIFY_NEW_DEVICE on', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Ten racing sign-ins from one client: room in the login rate limit, the account's attempt budget and the client's hash queue.
    t = await appWith(true, { rateLimits: { login: { count: 50, windowMs: 60_000 } }, lockout: { threshold: 20, clientChecksInFlight: 32 } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the first sign-in (registration) and later sign-ins from the same device mail nothing', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    expect((await home.logout()).status).toBeLessThan(400);
    expect((await home.login({ email: user.email })).res.status).toBe(200);
    expect((await home.clone().login({ email: user.email })).res.status).toBe(200);
    await t.auth.flush();
    expect(noticesTo(user.email)).toEqual([]);
  });

  it('another browser: one mail with the time, the browser, the IP and /account — and no link that acts', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    const away = t.client({ userAgent: CHROME, ip: home.ip });
    expect((await away.login({ email: user.email })).res.status).toBe(200);
    await t.auth.flush();
    const mails = noticesTo(user.email);
    expect(mails).toHaveLength(1);
    const text = decodeMail(mails[0]?.raw ?? '').text;
    expect(text).toContain('Chrome on Windows');
    expect(text).toContain(home.ip);
    expect(text).toContain(new Date(t.clock.nowMs()).toUTCString());
    expect(text).toContain('/account');
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toMatch(/token|code=/i);

    // The same new device again: it is known now, no second mail.
    expect((await away.clone().login({ email: user.email })).res.status).toBe(200);
    await t.auth.flush();
    expect(noticesTo(user.email)).toHaveLength(1);
  });

  it('the same browser from another network: one mail', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    expect((await t.client({ userAgent: FIREFOX }).login({ email: user.email })).res.status).toBe(200);
    await t.auth.flush();
    expect(noticesTo(user.email)).toHaveLength(1);
  });

  it('with a second factor: the password alone mails nothing, the session after the code mails once', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    const { secret } = await enrolTotp(t, home);
    const away = await pendingSignIn(t, user.email, { userAgent: CHROME });
    await t.auth.flush();
    expect(noticesTo(user.email)).toEqual([]);
    const second = await away.json('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(t, secret) } });
    expect(second.res.status).toBe(200);
    await t.auth.flush();
    expect(noticesTo(user.email)).toHaveLength(1);
  });

  it('a wrong password from a new device mails nothing (only a sign-in that ends in a session does)', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    expect((await t.client({ userAgent: CHROME }).login({ email: user.email, password: 'not the password at all 123' })).res.status).toBe(401);
    await t.auth.flush();
    expect(noticesTo(user.email)).toEqual([]);
  });

  it('ten sign-ins racing from one new device: all signed in, exactly one mail', async () => {
    const home = t.client({ userAgent: FIREFOX });
    const user = await home.signUp();
    const away = t.client({ userAgent: CHROME });
    const results = await Promise.all(Array.from({ length: 10 }, () => away.clone().login({ email: user.email })));
    expect(results.map((result) => result.res.status)).toEqual(Array(10).fill(200));
    await t.auth.flush();
    expect(noticesTo(user.email)).toHaveLength(1);
    expect(sink.to(user.email)).toHaveLength(1);
  });
});
