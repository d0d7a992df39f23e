/**
 * @module Mail: one Mailer contract, sent over SMTP (nodemailer) when SMTP_URL is set, or
 * written to a development outbox file that the app can list.
 */
export { assertMailMessage, type MailMessage, type Mailer } from './message.ts';
export { createSmtpMailer, type SmtpMailer } from './smtp.ts';
export { createOutboxMailer, readOutbox, type OutboxEntry } from './outbox.ts';
