/**
 * @module Sending over SMTP with nodemailer: the URL carries everything
 * (`smtps://user:pass@host:465`, `smtp://host:587` upgrades with STARTTLS when offered).
 */
import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import { assertMailMessage, type Mailer } from './message.ts';

/**
 * nodemailer is an optional peer dependency of the published package: loaded when an SMTP mailer
 * is made, never at import, so the outbox mailer (and `import 'portcullis/mail'`) needs no SMTP library.
 */
function loadNodemailer(): typeof Nodemailer {
  try {
    return createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' && error instanceof Error && error.message.includes("'nodemailer'")) {
      throw new Error('SMTP mail needs nodemailer, which is not installed: npm install nodemailer@^10');
    }
    throw error;
  }
}

export interface SmtpMailer extends Mailer {
  /** Closes pooled connections, for a clean shutdown. */
  close(): void;
}

/** Checks the URL and sender at construction, so a bad SMTP_URL stops the start, not a reset. */
export function createSmtpMailer(smtpUrl: string, from: string): SmtpMailer {
  const protocol = URL.canParse(smtpUrl) ? new URL(smtpUrl).protocol : '';
  if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new TypeError('SMTP URL must start with smtp:// or smtps://');
  if (typeof from !== 'string' || from.trim() === '' || /[\r\n]/.test(from)) throw new TypeError('mail sender must be one line');
  const transport = loadNodemailer().createTransport(smtpUrl);
  return {
    async send(message) {
      assertMailMessage(message);
      const { to, subject, text, html } = message;
      await transport.sendMail({ from, to, subject, text, ...(html === undefined ? {} : { html }) });
    },
    close() {
      transport.close();
    },
  };
}
