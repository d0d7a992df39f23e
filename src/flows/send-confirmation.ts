/** @module Mailing a confirmation link: minted for the user's current address, within the recipient's mail budget, off the request. */
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { createOpaqueToken } from '../features/tokens/index.ts';
import { origin, type Kernel } from './kernel.ts';
import { sendWithinRecipientBudget } from './recipient-mail.ts';

function confirmationEmail(kernel: Kernel, link: string): { subject: string; text: string } {
  const hours = Math.round(kernel.config.identity.confirmTtlMs / 3_600_000);
  return {
    subject: 'Confirm your e-mail address',
    text: [
      'Someone (hopefully you) signed up with this e-mail address.',
      '',
      `Open this link within ${hours} hour${hours === 1 ? '' : 's'} to confirm it:`,
      link,
      '',
      'If it was not you, ignore this message: without the link, the address stays unconfirmed.',
    ].join('\n'),
  };
}

/**
 * Mints a link for the user's current address and mails it, within the recipient's budget. Runs
 * in the background: callers answer before (and whatever) it does.
 */
export function sendConfirmation(kernel: Kernel, user: UserRecord, reason: 'registered' | 'resend' | 'login', client: ClientInfo): void {
  kernel.background(async () => {
    await sendWithinRecipientBudget(kernel, { kind: 'confirmation', to: user.email, userId: user.id }, client, async () => {
      const nowMs = kernel.clock.nowMs();
      const { token, tokenHash } = createOpaqueToken('confirm', kernel.random);
      await kernel.stores.oneTimeTokens.createOneTimeToken({
        tokenHash,
        purpose: 'confirm-email',
        userId: user.id,
        binding: user.emailKey,
        createdAtMs: nowMs,
        expiresAtMs: nowMs + kernel.config.identity.confirmTtlMs,
      });
      kernel.emit({ type: 'email.confirmation_sent', userId: user.id, reason, ...origin(client), atMs: nowMs });
      return confirmationEmail(kernel, `${kernel.config.publicOrigin}${kernel.config.pages.confirm}?token=${encodeURIComponent(token)}`);
    });
  });
}

