/**
 * @module Change of e-mail. A fresh signed-in user names a new address; the answer is the same
 * whether another account holds it or not. A free address gets a link bound to the user id, the
 * hash of the OLD address's key and the new address — single use, consumed atomically, short-lived
 * (CHANGE_EMAIL_TTL). Redeeming it moves the account only while it still has the old address (one
 * conditional write), so a link minted before another change, or for another user, does nothing.
 * The old address is told, with no link that could undo the change without the password.
 */
import { sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { LinkRejection } from '../core/events.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey } from '../features/identity/index.ts';
import { createOpaqueToken, opaqueKind } from '../features/tokens/index.ts';
import { checkSecret } from './credentials.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { sendWithinRecipientBudget } from './recipient-mail.ts';
import { readEmailAddress } from './sign-up.ts';

export const CHANGE_REQUESTED_MESSAGE = 'Check the new address for a link to confirm the change.';
const INVALID_LINK = 'This link is invalid, used or expired. Ask for a new one from your account page.';

interface ChangeBinding {
  /** SHA-256 of the e-mail key the account had when the change was asked for. */
  readonly from: string;
  /** The new address, as the policy normalised it. */
  readonly to: string;
}

function readBinding(text: string): ChangeBinding | undefined {
  try {
    const value = JSON.parse(text) as Partial<ChangeBinding>;
    return typeof value.from === 'string' && typeof value.to === 'string' ? { from: value.from, to: value.to } : undefined;
  } catch {
    return undefined;
  }
}

/** The address masked for a notice: `a•••@example.com` (the old address learns where, not who). */
function masked(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}•••${address.slice(at)}`;
}

/** `POST /auth/change-email` (fresh session): the same 202 whether the address is free, taken, or yours. */
export function requestEmailChange(kernel: Kernel, principal: Principal, body: BodyFields, client: ClientInfo): { readonly message: string } {
  const fields = new FieldCollector();
  const email = readEmailAddress(fields, 'new_email', body.new_email, 'New e-mail');
  fields.throwIfAny();
  const user = principal.user;
  kernel.background(async () => {
    const key = emailKey(email);
    const holder = key === user.emailKey ? user : await kernel.stores.users.findUserByEmailKey(key);
    const nowMs = kernel.clock.nowMs();
    kernel.emit({ type: 'email.change_requested', userId: user.id, ...(holder ? { reason: 'taken' as const } : {}), ...origin(client), atMs: nowMs });
    if (holder) return;
    await sendWithinRecipientBudget(kernel, { kind: 'email-change', to: email, userId: user.id }, client, async () => {
      const { token, tokenHash } = createOpaqueToken('email-change', kernel.random);
      const binding: ChangeBinding = { from: sha256Hex(user.emailKey), to: email };
      await kernel.stores.oneTimeTokens.createOneTimeToken({
        tokenHash,
        purpose: 'change-email',
        userId: user.id,
        binding: JSON.stringify(binding),
        createdAtMs: nowMs,
        expiresAtMs: nowMs + kernel.config.identity.changeEmailTtlMs,
      });
      const minutes = Math.round(kernel.config.identity.changeEmailTtlMs / 60_000);
      const link = `${kernel.config.publicOrigin}${kernel.config.pages.confirmEmailChange}?token=${encodeURIComponent(token)}`;
      return {
        subject: 'Confirm your new e-mail address',
        text: [
          'Someone signed in to an account asked to use this address for it.',
          '',
          `If it was you, open this link within ${minutes} minutes to confirm:`,
          link,
          '',
          'If it was not you, ignore this message: nothing changes without the link.',
        ].join('\n'),
      };
    });
  });
  return { message: CHANGE_REQUESTED_MESSAGE };
}

function invalidLink(kernel: Kernel, reason: LinkRejection, client: ClientInfo, userId?: string, message = INVALID_LINK): AuthError {
  kernel.emit({ type: 'email.change_failed', reason, ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
  return new AuthError('INVALID_INPUT', { fields: { token: message } });
}

/** `POST /auth/change-email/confirm`: spends the link atomically, then moves the account if it still has the old address. */
export async function confirmEmailChange(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<UserRecord> {
  const fields = new FieldCollector();
  const token = fields.text('token', body.token, { label: 'Link', maxLength: 64 });
  fields.throwIfAny();
  if (opaqueKind(token) !== 'email-change') throw invalidLink(kernel, 'malformed', client);
  const tokenHash = sha256Hex(token);
  const nowMs = kernel.clock.nowMs();
  const check = await checkSecret(
    kernel,
    { subject: null, client, honourKnownDevice: false },
    () => kernel.stores.oneTimeTokens.consumeOneTimeToken(tokenHash, 'change-email', nowMs),
    (record) => record !== undefined,
  );
  if (check.refused) {
    kernel.emit({ type: 'rate.limited', route: 'change-email-confirm', ...origin(client), atMs: nowMs });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  const spent = check.result;
  if (!spent) {
    const found = await kernel.stores.oneTimeTokens.findOneTimeToken(tokenHash);
    if (!found || found.purpose !== 'change-email') throw invalidLink(kernel, 'unknown', client);
    throw invalidLink(kernel, found.usedAtMs !== null ? 'used' : 'expired', client, found.userId);
  }
  const binding = readBinding(spent.binding);
  const user = await kernel.stores.users.findUserById(spent.userId);
  // Bound to the user AND the address it had: a change made since (or a link for someone else) is stale.
  if (!binding || !user || sha256Hex(user.emailKey) !== binding.from) throw invalidLink(kernel, 'stale', client, spent.userId);
  const to = { email: binding.to, emailKey: emailKey(binding.to) };
  const outcome = await kernel.stores.users.changeEmail(user.id, user.emailKey, to, nowMs);
  // The link's owner proved this mailbox: telling them the address is taken tells nobody else anything.
  if (outcome === 'taken') throw invalidLink(kernel, 'stale', client, user.id, 'Another account uses this address now. Ask for a change to another one.');
  if (outcome === 'stale') throw invalidLink(kernel, 'stale', client, user.id);
  await Promise.all([
    kernel.stores.oneTimeTokens.deleteOneTimeTokensOfUser(user.id, 'change-email'),
    kernel.stores.oneTimeTokens.deleteOneTimeTokensOfUser(user.id, 'confirm-email'),
  ]);
  kernel.caches.users.invalidate(user.id);
  kernel.emit({ type: 'email.changed', userId: user.id, ...origin(client), atMs: nowMs });
  // The old address is told where the account went (masked), with nothing to click: undoing a
  // change takes the password (sign in, change it back) — a stolen mailbox alone cannot.
  kernel.sendMail({
    to: user.email,
    subject: 'Your e-mail address was changed',
    text: [
      `The e-mail address of your account was changed to ${masked(to.email)}.`,
      '',
      'If it was you, there is nothing to do.',
      'If it was not you, sign in with your password, change the address back and change your password;',
      'if you cannot sign in any more, contact the site’s support.',
    ].join('\n'),
  });
  kernel.emit({ type: 'security.notice_sent', userId: user.id, kind: 'email_changed', ...origin(client), atMs: nowMs });
  return { ...user, email: to.email, emailKey: to.emailKey, emailConfirmedAtMs: nowMs, updatedAtMs: nowMs };
}
