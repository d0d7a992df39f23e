/** @module Checking an identity + password pair, with the same cost and answer whatever fails. */
import type { LoginFailureReason } from '../core/events.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey, usernameKey } from '../features/identity/index.ts';
import type { Kernel } from './kernel.ts';

export type CredentialCheck = { ok: true; user: UserRecord } | { ok: false; reason: LoginFailureReason };

/** An identity with an `@` is an e-mail, otherwise a username (usernames cannot contain `@`). */
export async function findUserByIdentity(kernel: Kernel, identity: string): Promise<UserRecord | undefined> {
  return identity.includes('@')
    ? kernel.stores.users.findUserByEmailKey(emailKey(identity))
    : kernel.stores.users.findUserByUsernameKey(usernameKey(identity));
}

/**
 * Unknown identity, wrong password and inactive account all cost one argon2id verification
 * and end in the same failure; only the audit event knows the reason.
 */
export async function checkCredentials(kernel: Kernel, identity: string, password: string): Promise<CredentialCheck> {
  const normalized = password.normalize('NFKC');
  const user = await findUserByIdentity(kernel, identity);
  if (!user) {
    await kernel.hasher.verifyAgainstDummy(normalized);
    return { ok: false, reason: 'unknown_identity' };
  }
  const matches = await kernel.hasher.verifyPassword(user.passwordHash, normalized);
  if (!matches) return { ok: false, reason: 'wrong_password' };
  if (!user.active) return { ok: false, reason: 'inactive' };
  return { ok: true, user };
}
