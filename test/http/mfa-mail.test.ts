/**
 * @module HTTP: the security mails of two-step sign-in, through a real SMTP server (smtp-server):
 * turning it on, new recovery codes and turning it off each mail the owner — and no mail carries a
 * code or the secret. (An admin's reset mails through the same helper.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { enrolTotp } from './mfa-helpers.ts';
import { decodeMail, startSmtpSink, type SmtpSink } from './password-helpers.ts';

describe('security mails of two-step sign-in', () => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ mailer: createSmtpMailer(sink.url, 'Portcullis <no-reply@example.com>') });
  });
  afterAll(async () => {
    await t?.dispose();
    await sink?.close();
  });

  const subjectsTo = (email: string) => sink.to(email).map((mail) => /^Subject: (.*)$/m.exec(decodeMail(mail.raw).headers)?.[1]);

  it('on, new codes, off: one mail each to the owner, with no code or secret in it', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const { recoveryCodes } = await enrolTotp(t, owner);
    const fresh = await owner.json<{ recovery_codes: string[] }>('/auth/mfa/recovery-codes', { method: 'POST', json: {}, csrf: true });
    expect((await owner.send('/auth/mfa/totp', { method: 'DELETE', csrf: true })).status).toBe(204);
    await t.auth.flush();
    expect(subjectsTo(user.email)).toEqual(['Two-step sign-in was turned on', 'New recovery codes were made', 'Two-step sign-in was turned off']);
    const bodies = sink.to(user.email).map((mail) => decodeMail(mail.raw).text);
    for (const body of bodies) {
      expect(body).toContain('/account/security');
      for (const code of [...recoveryCodes, ...fresh.body.recovery_codes]) expect(body).not.toContain(code);
      expect(body).not.toMatch(/\b\d{6}\b/);
      expect(body).not.toMatch(/[A-Z2-7]{32}/);
    }
  });
});
