/**
 * @module Mail a stranger can make us send (confirmation, resend, the existing-owner notice, the
 * reset link, the e-mail sign-in code): each takes one unit of the recipient's budget (MAIL_RECIPIENT_BUDGET, default
 * 3/1h), reserved atomically on the CounterStore — so however many clients ask, from however many
 * addresses and processes, one mailbox gets at most the budget's worth. The per-client route limits
 * still apply on top; this is what keeps the generic notices from becoming a mail cannon.
 */
import { emailKey } from '../features/identity/index.ts';
import type { MailMessage } from '../features/mail/index.ts';
import { origin, type Kernel } from './kernel.ts';
import type { ClientInfo } from '../core/request-context.ts';

/** Which stranger-triggerable mail this is (the audit trail names it when the budget suppresses one). */
export type RecipientMailKind = 'confirmation' | 'existing-account' | 'username-taken' | 'reset' | 'email-change' | 'email-signin';

export function recipientBudgetKey(address: string): string {
  return `mail-recipient:${emailKey(address)}`;
}

/**
 * Composes and sends one mail to `to` if the recipient's budget has a unit left; else nothing is
 * composed (no link is minted) and the mail is dropped, audited as `mail.suppressed`. Returns
 * whether it was sent. Call it off the request (kernel.background): its timing is the recipient's.
 */
export async function sendWithinRecipientBudget(
  kernel: Kernel,
  mail: { readonly kind: RecipientMailKind; readonly to: string; readonly userId?: string },
  client: ClientInfo,
  compose: () => Promise<Omit<MailMessage, 'to'>>,
): Promise<boolean> {
  const { count, windowMs } = kernel.config.identity.mailRecipientBudget;
  const reservation = await kernel.counters.reserve(recipientBudgetKey(mail.to), count, windowMs);
  if (!reservation.granted) {
    const userId = mail.userId;
    kernel.emit({ type: 'mail.suppressed', kind: mail.kind, reason: 'recipient_budget', ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
    return false;
  }
  kernel.sendMail({ to: mail.to, ...(await compose()) });
  return true;
}
