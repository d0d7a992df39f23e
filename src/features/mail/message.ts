/** @module What a mail is and what sends it: the one contract flows depend on. */

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface Mailer {
  /** Resolves once the message is accepted (by the SMTP server, or written to the outbox). */
  send(message: MailMessage): Promise<void>;
}

/**
 * Refuses a message whose recipient or subject carries a line break (header injection: a
 * user-supplied address like "a@x\r\nBcc: …") or is not text. Throws, as a programming error
 * in the flow that built it would.
 */
export function assertMailMessage(message: MailMessage): void {
  for (const field of ['to', 'subject', 'text'] as const) {
    if (typeof message[field] !== 'string') throw new TypeError(`mail ${field} must be a string`);
  }
  if (message.html !== undefined && typeof message.html !== 'string') throw new TypeError('mail html must be a string');
  if (/[\r\n]/.test(message.to) || /[\r\n]/.test(message.subject)) throw new TypeError('mail to/subject must be one line');
  if (!/^[^\s@]+@[^\s@]+$/.test(message.to)) throw new TypeError('mail to must be one e-mail address');
}
