/**
 * @module Setting a new password (change, reset, admin): store the hash and rotate the uniquifier,
 * so every session, refresh family, personal access token and reset link of the user dies at once.
 */
import { createPublicId } from '../core/crypto/index.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { origin, type Kernel } from './kernel.ts';

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
  return { ...user, passwordHash, uniquifier, updatedAtMs: nowMs };
}
