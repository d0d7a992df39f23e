/** @module Admin actions on other users: roles, activation. Each is an audited event with its actor. */
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { lockoutKeys, lockoutScope, lockoutSubject } from '../features/lockout/index.ts';
import { ADMIN_ROLE } from '../features/rbac/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';

async function targetUser(kernel: Kernel, userId: string): Promise<UserRecord> {
  const user = /^[0-9a-f]{32}$/.test(userId) ? await kernel.stores.users.findUserById(userId) : undefined;
  if (!user) throw new AuthError('NOT_FOUND');
  return user;
}

/**
 * A privilege change means a new session token (DESIGN). The admin cannot hand the user one, and
 * rotating on the user's next request would hand it to whoever presents the old cookie first — a
 * thief included. So a grant that adds a role ends every session the user holds: the new
 * privilege is only ever reachable through a session started by a fresh login, under a new token.
 * Sessions are ended before the grant (no old token ever sees the new role) and once more after
 * it (a login that slipped in between). A grant of a role the user already has ends nothing.
 */
export async function grantRole(kernel: Kernel, actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void> {
  const user = await targetUser(kernel, userId);
  const [authorization, known] = await Promise.all([kernel.stores.roles.authorizationOfUser(user.id), kernel.stores.roles.listRoles()]);
  if (!known.some((r) => r.name === role)) throw new AuthError('INVALID_INPUT', { fields: { role: 'Unknown role' } });
  const adds = !authorization.roles.includes(role);
  let ended = adds ? await kernel.stores.sessions.deleteSessionsOfUser(user.id) : 0;
  const granted = await kernel.stores.roles.grantRole(user.id, role);
  if (!granted) throw new AuthError('INVALID_INPUT', { fields: { role: 'Unknown role' } });
  if (adds) ended += await kernel.stores.sessions.deleteSessionsOfUser(user.id);
  kernel.caches.users.invalidate(user.id);
  const nowMs = kernel.clock.nowMs();
  kernel.emit({ type: 'role.granted', userId: user.id, role, actorId: actor.user.id, ...origin(client), atMs: nowMs });
  if (ended > 0) kernel.emit({ type: 'session.revoked', userId: user.id, sessionId: '*all*', by: 'admin', actorId: actor.user.id, ...origin(client), atMs: nowMs });
}

/** An admin cannot take `admin` from themself: that is how the last admin locks everyone out. */
export async function revokeRole(kernel: Kernel, actor: Principal, userId: string, role: string, client: ClientInfo): Promise<void> {
  const user = await targetUser(kernel, userId);
  if (role === ADMIN_ROLE && user.id === actor.user.id) throw new AuthError('FORBIDDEN', { message: 'You cannot remove your own admin role' });
  const revoked = await kernel.stores.roles.revokeRole(user.id, role);
  if (!revoked) throw new AuthError('NOT_FOUND');
  kernel.caches.users.invalidate(user.id);
  kernel.emit({ type: 'role.revoked', userId: user.id, role, actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
}

/** Deactivation also ends every session of the user at once. An admin cannot deactivate themself. */
export async function setUserActive(kernel: Kernel, actor: Principal, userId: string, active: boolean, client: ClientInfo): Promise<void> {
  const user = await targetUser(kernel, userId);
  if (!active && user.id === actor.user.id) throw new AuthError('FORBIDDEN', { message: 'You cannot deactivate your own account' });
  const nowMs = kernel.clock.nowMs();
  await kernel.stores.users.setUserActive(user.id, active, nowMs);
  kernel.caches.users.invalidate(user.id);
  if (!active) {
    // Everything the user holds dies now, and stays dead if the account is reactivated later.
    await Promise.all([
      kernel.stores.sessions.deleteSessionsOfUser(user.id),
      kernel.stores.tokens.deleteFamiliesOfUser(user.id),
      kernel.stores.tokens.deleteApiTokensOfUser(user.id),
    ]);
    // Family and token entries are keyed by id and hash, not by user: drop them all (a rare event).
    kernel.caches.families.clear();
    kernel.caches.apiTokens.clear();
  }
  kernel.emit({ type: active ? 'user.activated' : 'user.deactivated', userId: user.id, actorId: actor.user.id, ...origin(client), atMs: nowMs });
}

/** Clears the account's lock-out (its shared budget, which its e-mail and username both draw from; not known devices'). */
export async function unlockUser(kernel: Kernel, actor: Principal, userId: string, client: ClientInfo): Promise<void> {
  const user = await targetUser(kernel, userId);
  const scope = lockoutScope(lockoutSubject.user(user.id), '', false);
  await Promise.all([kernel.counters.delete(lockoutKeys.failures(scope)), kernel.counters.delete(lockoutKeys.lock(scope))]);
  kernel.emit({ type: 'user.unlocked', userId: user.id, actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
}

/** Ends every session, refresh family and personal access token of the user (the account stays active). */
export async function revokeUserCredentials(kernel: Kernel, actor: Principal, userId: string, client: ClientInfo): Promise<void> {
  const user = await targetUser(kernel, userId);
  if (user.id === actor.user.id) throw new AuthError('FORBIDDEN', { message: 'Use "Log out all other sessions" on your account page' });
  await Promise.all([
    kernel.stores.sessions.deleteSessionsOfUser(user.id),
    kernel.stores.tokens.deleteFamiliesOfUser(user.id),
    kernel.stores.tokens.deleteApiTokensOfUser(user.id),
  ]);
  kernel.caches.families.clear();
  kernel.caches.apiTokens.clear();
  kernel.emit({ type: 'session.revoked', userId: user.id, sessionId: '*all*', by: 'admin', actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
}
