/**
 * @module Setting a new password (change, reset, admin): store the hash and rotate the uniquifier,
 * so every session, refresh family, personal access token, reset link and remembered device of the
 * user dies at once.
 */
import { createPublicId } from '../core/crypto/index.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { origin, type Kernel } from './kernel.ts';
import { forgetTrustedDevicesOfUser } from './trusted-devices.ts';

/**
 * The security notice: the account's address is told its password changed (by the user, a reset
 * link, or an administrator), with what to do if it was not them. Not stranger-triggerable (it
 * takes the password or a link), so no recipient budget; sent off the request.
 */
function notifyPasswordChanged(kernel: Kernel, user: UserRecord, by: 'user' | 'reset' | 'admin', client: ClientInfo, nowMs: number): void {
  const how = by === 'reset' ? 'with a password-reset link' : by === 'admin' ? 'by an administrator' : 'from your account page';
  kernel.sendMail({
    to: user.email,
    subject: 'Your password was changed',
    text: [
      `The password of your account was changed ${how} on ${new Date(nowMs).toUTCString()}.`,
      'Every session and API token of the account was signed out.',
      '',
      `If it was not you, choose a new password at once: ${kernel.config.publicOrigin}${kernel.config.pages.forgotPassword}`,
    ].join('\n'),
  });
  kernel.emit({ type: 'security.notice_sent', userId: user.id, kind: by === 'reset' ? 'password_reset' : 'password_changed', ...origin(client), atMs: nowMs });
}

export async function setNewPassword(
  kernel: Kernel,
  user: UserRecord,
  password: string,
  by: 'user' | 'reset' | 'admin',
  client: ClientInfo,
  actorId?: string,
  /** The reset link being used: kept (as used) so that replaying it is audited as reuse. */
  spentResetTokenHash?: string,
): Promise<UserRecord> {
  const nowMs = kernel.clock.nowMs();
  const passwordHash = await kernel.hasher.hashPassword(kernel.policy.normalize(password));
  const uniquifier = createPublicId(kernel.random);
  await kernel.stores.users.setPasswordHash(user.id, passwordHash, nowMs);
  await kernel.stores.users.rotateUniquifier(user.id, uniquifier, nowMs);
  // The new uniquifier already kills every remembered device; deleting them keeps the list honest.
  await forgetTrustedDevicesOfUser(kernel, user.id, 'password', client, actorId);
  await Promise.all([
    kernel.stores.sessions.deleteSessionsOfUser(user.id),
    kernel.stores.tokens.deleteFamiliesOfUser(user.id),
    kernel.stores.tokens.deleteApiTokensOfUser(user.id),
    kernel.stores.tokens.deleteResetTokensOfUser(user.id, spentResetTokenHash),
  ]);
  kernel.caches.users.invalidate(user.id);
  kernel.caches.families.clear();
  kernel.caches.apiTokens.clear();
  kernel.emit({ type: 'password.changed', userId: user.id, by, ...(actorId ? { actorId } : {}), ...origin(client), atMs: nowMs });
  notifyPasswordChanged(kernel, user, by, client, nowMs);
  return { ...user, passwordHash, uniquifier, updatedAtMs: nowMs };
}
