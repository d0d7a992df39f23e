/**
 * @module Sending over SMTP with nodemailer: the URL carries everything
 * (`smtps://user:pass@host:465`, `smtp://host:587` upgrades with STARTTLS when offered).
 */
import { createTransport } from 'nodemailer';
import { assertMailMessage, type Mailer } from './message.ts';

export interface SmtpMailer extends Mailer {
  /** Closes pooled connections, for a clean shutdown. */
  close(): void;
}

/** Checks the URL and sender at construction, so a bad SMTP_URL stops the start, not a reset. */
export function createSmtpMailer(smtpUrl: string, from: string): SmtpMailer {
  const protocol = URL.canParse(smtpUrl) ? new URL(smtpUrl).protocol : '';
  if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new TypeError('SMTP URL must start with smtp:// or smtps://');
  if (typeof from !== 'string' || from.trim() === '' || /[\r\n]/.test(from)) throw new TypeError('mail sender must be one line');
  const transport = createTransport(smtpUrl);
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
