/**
 * @module `portcullis/mail`: Mailer implementations — SMTP (`nodemailer`, an optional peer
 * dependency, loaded only when an SMTP mailer is made) and the development outbox file.
 * The `Mailer` contract itself is exported by `portcullis`.
 */
export { createSmtpMailer, type SmtpMailer } from './features/mail/smtp.ts';
export { createOutboxMailer, readOutbox, type OutboxEntry } from './features/mail/outbox.ts';
export type { Mailer, MailMessage } from './features/mail/message.ts';
