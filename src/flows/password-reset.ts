/**
 * @module Forgot / reset: the request always answers the same (the lookup, token and mail happen
 * off the request, so neither body nor timing says whether the account exists); the link's token
 * is single use, hashed at rest, and expires; using it ends every session and token of the user.
 */
import { sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { emailKey } from '../features/identity/index.ts';
import { createOpaqueToken, opaqueKind } from '../features/tokens/index.ts';
import { checkSecret } from './credentials.ts';
import { origin, type Kernel, passwordField } from './kernel.ts';
import { setNewPassword } from './set-password.ts';
import { checkNewPassword, readEmailAddress } from './sign-up.ts';

export const RESET_REQUESTED_MESSAGE = 'If an account exists for that e-mail, a link to reset its password is on its way.';
const INVALID_LINK = 'This reset link is invalid, used or expired. Ask for a new one.';

function resetEmail(kernel: Kernel, link: string): { subject: string; text: string } {
  const minutes = Math.round(kernel.config.password.resetTokenTtlMs / 60_000);
  return {
    subject: 'Reset your password',
    text: [
      'Someone (hopefully you) asked to reset the password of this account.',
      '',
      `Open this link within ${minutes} minutes to choose a new password:`,
      link,
      '',
      'If it was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}

/** `POST /auth/forgot-password`: validates the shape now; everything else runs in the background. */
export function requestPasswordReset(kernel: Kernel, body: BodyFields, client: ClientInfo, background: (task: () => Promise<void>) => void): void {
  const fields = new FieldCollector();
  // The address policy first: a malformed address answers 400 (that reveals nothing about accounts).
  const email = readEmailAddress(fields, 'email', body.email);
  fields.throwIfAny();
  background(async () => {
    const nowMs = kernel.clock.nowMs();
    const user = await kernel.stores.users.findUserByEmailKey(emailKey(email));
    kernel.emit({ type: 'password.reset_requested', identity: email, ...(user ? { userId: user.id } : {}), ...origin(client), atMs: nowMs });
    if (!user || !user.active) return;
    const { token, tokenHash } = createOpaqueToken('reset', kernel.random);
    await kernel.stores.tokens.createResetToken({ tokenHash, userId: user.id, createdAtMs: nowMs, expiresAtMs: nowMs + kernel.config.password.resetTokenTtlMs });
    const link = `${kernel.config.publicOrigin}${kernel.config.pages.resetPassword}?token=${encodeURIComponent(token)}`;
    kernel.sendMail({ to: user.email, ...resetEmail(kernel, link) });
  });
}

function invalidLink(kernel: Kernel, reason: 'malformed' | 'unknown' | 'used' | 'expired', client: ClientInfo, userId?: string): AuthError {
  kernel.emit({ type: 'password.reset_failed', reason, ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
  return new AuthError('INVALID_INPUT', { fields: { token: INVALID_LINK } });
}

/** `POST /auth/reset-password`: a weak new password is refused before the link is spent. */
export async function resetPassword(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<void> {
  const fields = new FieldCollector();
  const token = fields.text('token', body.token, { label: 'Reset link', maxLength: 64 });
  const password = fields.text('new_password', body.new_password, passwordField(kernel, 'New password'));
  fields.throwIfAny();
  if (opaqueKind(token) !== 'reset') throw invalidLink(kernel, 'malformed', client);
  const tokenHash = sha256Hex(token);
  const nowMs = kernel.clock.nowMs();
  // A link is a secret too: each lookup takes from the client's failure budget, a live link gives it back.
  const check = await checkSecret(
    kernel,
    { subject: null, client, honourKnownDevice: false },
    () => kernel.stores.tokens.findResetToken(tokenHash),
    (record) => record !== undefined && record.usedAtMs === null && record.expiresAtMs > nowMs,
  );
  if (check.refused) {
    kernel.emit({ type: 'rate.limited', route: 'reset-password', ...origin(client), atMs: nowMs });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  const found = check.result;
  if (!found) throw invalidLink(kernel, 'unknown', client);
  if (found.usedAtMs !== null) throw invalidLink(kernel, 'used', client, found.userId);
  if (found.expiresAtMs <= nowMs) throw invalidLink(kernel, 'expired', client, found.userId);
  const user = await kernel.stores.users.findUserById(found.userId);
  if (!user) throw invalidLink(kernel, 'unknown', client);
  await checkNewPassword(kernel, password, { email: user.email, username: user.username }, 'new_password');
  // Spend the link atomically: of two concurrent uses, one wins.
  if (!(await kernel.stores.tokens.consumeResetToken(tokenHash, nowMs))) throw invalidLink(kernel, 'used', client, user.id);
  await setNewPassword(kernel, user, password, 'reset', client, undefined, tokenHash);
}
