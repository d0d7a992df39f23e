/**
 * @module Attack: addresses that a lenient parser would deliver elsewhere or split into several
 * recipients — a quoted local part (`"a@evil"@victim`), a display name, a list, CR/LF header
 * injection, a comment (the scanner's `user1@example.test(".,)),',(`), a mixed-script look-alike.
 * Registration, admin creation and the reset request refuse each with 400 and a field message;
 * no account is written and no mail leaves (a real SMTP server receives nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { createTestApp, errorShape, uniqueEmail, type TestApp } from '../http/harness.ts';
import { startSmtpSink, type SmtpSink } from '../http/password-helpers.ts';

const HOSTILE = [
  '"a@evil.example"@victim.example',
  '"ann"@example.com',
  'Ann <ann@example.com>',
  'ann@example.com, eve@evil.example',
  'ann@example.com;eve@evil.example',
  'ann@example.com\r\nBcc: eve@evil.example',
  'ann@example.com\nBcc: eve@evil.example',
  'ann\u0000@example.com',
  'user1@example.test(".,)),\',(',
  'ann(x)@example.com',
  'pаypal@example.com',
  'ann@[127.0.0.1]',
];

let t: TestApp;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await createTestApp({ mailer: createSmtpMailer(smtp.url, 'Portcullis <no-reply@portcullis.test>') });
});
afterAll(async () => {
  await t?.dispose();
  await smtp?.close();
});

describe('address policy at every door', () => {
  it.each(HOSTILE)('registration refuses %j with 400 on the e-mail field, writing nothing', async (email) => {
    const before = await t.userCount();
    const { res, body } = await t.client().register({ email });
    expect(res.status).toBe(400);
    const error = errorShape(body);
    expect(error.code).toBe('INVALID_INPUT');
    expect(Object.keys(error.fields ?? {})).toEqual(['email']);
    expect(await t.userCount()).toBe(before);
  });

  it.each(HOSTILE)('the reset request refuses %j with 400 and sends nothing', async (email) => {
    const before = smtp.received.length;
    const { res, body } = await t.client().json('/auth/forgot-password', { json: { email } });
    expect(res.status).toBe(400);
    expect(errorShape(body).fields).toHaveProperty('email');
    await t.auth.flush();
    expect(smtp.received.length).toBe(before);
  });

  it('admin.createUser applies the same policy', async () => {
    const before = await t.userCount();
    await expect(t.auth.admin.createUser({ email: '"x@evil.example"@victim.example', password: 'correct horse battery staple' }, { ip: '127.0.0.1', secure: false, userAgent: 'cli' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      fields: { email: expect.any(String) },
    });
    expect(await t.userCount()).toBe(before);
  });

  it('an internationalised domain is stored in its ASCII form: the Unicode and punycode spellings are one account', async () => {
    const local = uniqueEmail('idn').split('@')[0];
    const { res, body } = await t.client().register({ email: `${local}@BÜCHER.example` });
    expect(res.status).toBe(201);
    expect(body.user.email).toBe(`${local}@xn--bcher-kva.example`);
    const again = await t.client().register({ email: `${local}@xn--bcher-kva.example` });
    expect(again.res.status).toBe(400);
    const login = await t.client().login({ email: `${local}@bücher.example` });
    expect(login.res.status).toBe(200);
  });
});
