/**
 * @module Helpers for the verified-identity tests: an app with confirmation as asked and a real SMTP
 * server (smtp-server) receiving its mail, and the links found in what it received.
 */
import { createSmtpMailer } from '../../src/mail.ts';
import { createTestApp, type Overrides, type TestApp } from './harness.ts';
import { decodeMail, startSmtpSink, tokenOfLink, type ReceivedMail, type SmtpSink } from './password-helpers.ts';

export interface IdentityApp {
  readonly t: TestApp;
  readonly smtp: SmtpSink;
  /** Mail received for `address` so far (after waiting for the background work). */
  mailTo(address: string): Promise<ReceivedMail[]>;
  dispose(): Promise<void>;
}

export async function createIdentityApp(confirmation: 'required' | 'optional' | 'off', overrides: Overrides = {}): Promise<IdentityApp> {
  const smtp = await startSmtpSink();
  const mailer = createSmtpMailer(smtp.url, 'Portcullis <no-reply@portcullis.test>');
  const t = await createTestApp({ mailer, ...overrides, identity: { confirmation, ...overrides.identity } });
  return {
    t,
    smtp,
    async mailTo(address) {
      await t.auth.flush();
      return smtp.to(address);
    },
    async dispose() {
      await t.dispose();
      mailer.close();
      await smtp.close();
    },
  };
}

export function subjectOf(mail: ReceivedMail): string {
  return /^Subject: (.*)$/im.exec(decodeMail(mail.raw).headers)?.[1] ?? '';
}

export function textOf(mail: ReceivedMail): string {
  return decodeMail(mail.raw).text;
}

/** The link to `page` (e.g. `/confirm`) in a received message. */
export function linkIn(mail: ReceivedMail, page: string): string {
  const text = textOf(mail);
  const escaped = page.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const link = new RegExp(`https?://[^\\s<>"]+${escaped}\\?token=[^\\s<>"]+`).exec(text)?.[0];
  if (!link) throw new Error(`no ${page} link in the message:\n${text}`);
  return link;
}

export function confirmTokenIn(mail: ReceivedMail): string {
  return tokenOfLink(linkIn(mail, '/confirm'));
}
