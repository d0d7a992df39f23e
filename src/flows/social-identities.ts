/**
 * @module A user's linked sign-in identities: listing them, unlinking one (never the last way to
 * sign in), the security mail on a link change, and whether an account's own address counts as
 * verified for OAUTH_AUTOLINK=verified.
 */
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey } from '../features/identity/index.ts';
import { hasUsablePassword } from '../features/passwords/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { withSignInMethodsLock } from './sign-in-methods-lock.ts';

export interface IdentitySummary {
  readonly id: string;
  readonly provider: string;
  readonly email: string | null;
  readonly created: string;
  readonly last_used: string | null;
}

export async function listIdentities(kernel: Kernel, principal: Principal): Promise<IdentitySummary[]> {
  const identities = await kernel.stores.identities.listIdentitiesOfUser(principal.user.id);
  return identities.map((identity) => ({
    id: identity.id,
    provider: identity.provider,
    email: identity.email,
    created: new Date(identity.createdAtMs).toISOString(),
    last_used: identity.lastUsedAtMs === null ? null : new Date(identity.lastUsedAtMs).toISOString(),
  }));
}

/**
 * Unlinks one of the principal's identities (404 for anyone else's). Without a password or a
 * passkey, the last identity is the last way in: refused (LAST_SIGN_IN_METHOD), atomically against
 * a concurrent unlink.
 */
export async function unlinkIdentity(kernel: Kernel, principal: Principal, id: string, client: ClientInfo): Promise<void> {
  const user = principal.user;
  // In one turn with every other change to the account's ways in (sign-in-methods-lock.ts): the
  // passkeys counted here cannot be deleted before this unlink is written.
  const identity = await withSignInMethodsLock(kernel, user.id, async () => {
    const identities = await kernel.stores.identities.listIdentitiesOfUser(user.id);
    const found = identities.find((candidate) => candidate.id === id);
    if (!found) throw new AuthError('NOT_FOUND');
    // A passkey signs in without a password (passwordless): it is a way in of its own.
    const otherWayIn = hasUsablePassword(user.passwordHash) || (await kernel.stores.mfa.listPasskeysOfUser(user.id)).length > 0;
    const result = await kernel.stores.identities.deleteIdentityOfUser(id, user.id, { keepOne: !otherWayIn });
    if (result === 'not-found') throw new AuthError('NOT_FOUND');
    if (result === 'last') throw new AuthError('LAST_SIGN_IN_METHOD');
    return found;
  });
  kernel.emit({ type: 'identity.unlinked', userId: user.id, provider: identity.provider, by: 'user', ...origin(client), atMs: kernel.clock.nowMs() });
  notifyIdentityChange(kernel, user, identity.provider, 'unlinked');
}

/**
 * Whether the account's own address is verified, for OAUTH_AUTOLINK=verified: confirmed here (the
 * owner followed our confirmation link), or another identity of the account has the same address,
 * verified by its provider.
 */
export async function accountEmailVerified(kernel: Kernel, user: UserRecord): Promise<boolean> {
  if (user.emailConfirmedAtMs !== null) return true;
  const identities = await kernel.stores.identities.listIdentitiesOfUser(user.id);
  return identities.some((identity) => identity.emailVerified && identity.email !== null && emailKey(identity.email) === user.emailKey);
}

/** The security mail: a way to sign in was added or removed. Sent off the request. */
export function notifyIdentityChange(kernel: Kernel, user: UserRecord, provider: string, change: 'linked' | 'unlinked'): void {
  const label = kernel.config.oauth.providers.find((candidate) => candidate.name === provider)?.label ?? provider;
  const what = change === 'linked' ? `${label} was linked to your account: you can now sign in with it.` : `${label} was unlinked from your account.`;
  kernel.sendMail({
    to: user.email,
    subject: change === 'linked' ? `${label} sign-in added to your account` : `${label} sign-in removed from your account`,
    text: `${what}\n\nIf this was not you, change your password and review the linked accounts on your account page: ${kernel.config.publicOrigin}/account\n`,
  });
}
