/**
 * @module Admin actions: users (look-up, activation, lock-outs, credentials, sessions) and roles
 * (define, grant, revoke). Each change is an audited event with its actor, and drops what the
 * per-process caches hold of it.
 */
import { AuthError } from '../core/errors.ts';
import { FieldCollector } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { RoleRecord, UserRecord } from '../core/stores.ts';
import { emailKey, toPublicUser, usernameKey, type PublicUser } from '../features/identity/index.ts';
import { lockoutKeys, lockoutScope, lockoutSubject } from '../features/lockout/index.ts';
import { ADMIN_ROLE, isRoleName } from '../features/rbac/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { forgetTrustedDevicesOfUser } from './trusted-devices.ts';

const isUserId = (userId: string) => /^[0-9a-f]{32}$/.test(userId);

async function targetUser(kernel: Kernel, userId: string): Promise<UserRecord> {
  const user = isUserId(userId) ? await kernel.stores.users.findUserById(userId) : undefined;
  if (!user) throw new AuthError('NOT_FOUND');
  return user;
}

/** A user as the admin area and the CLI show it: the public fields, when created, last login. Never a hash. */
export interface UserSummary {
  readonly user: PublicUser;
  readonly createdAtMs: number;
  readonly lastLoginAtMs: number | null;
}

async function summarize(kernel: Kernel, user: UserRecord): Promise<UserSummary> {
  return { user: toPublicUser(user, await kernel.stores.roles.authorizationOfUser(user.id)), createdAtMs: user.createdAtMs, lastLoginAtMs: user.lastLoginAtMs };
}

/** Users, newest first, optionally those whose e-mail or username contains `search`. */
export async function listUsers(kernel: Kernel, query: { search?: string; offset: number; limit: number }): Promise<{ rows: UserSummary[]; total: number }> {
  const page = await kernel.stores.users.listUsers(query);
  return { rows: await Promise.all(page.users.map((user) => summarize(kernel, user))), total: page.total };
}

/** One user by id, e-mail or username (e-mail and username in any case, as at login); undefined when none. */
export async function findUser(kernel: Kernel, query: { id: string } | { email: string } | { username: string }): Promise<UserSummary | undefined> {
  const { users } = kernel.stores;
  const user =
    'id' in query
      ? isUserId(query.id)
        ? await users.findUserById(query.id)
        : undefined
      : 'email' in query
        ? await users.findUserByEmailKey(emailKey(query.email))
        : await users.findUserByUsernameKey(usernameKey(query.username));
  return user ? summarize(kernel, user) : undefined;
}

const ROLE_DESCRIPTION_MAX_LENGTH = 500;

function readRole(role: RoleRecord): RoleRecord {
  const fields = new FieldCollector();
  if (typeof role.name !== 'string' || !isRoleName(role.name)) fields.add('name', 'Role names are 1 to 64 of a-z 0-9 _ . : - starting with a letter');
  const permissions = Array.isArray(role.permissions) ? role.permissions : [];
  if (!Array.isArray(role.permissions) || permissions.some((p) => typeof p !== 'string' || !isRoleName(p))) {
    fields.add('permissions', 'Permissions are 1 to 64 of a-z 0-9 _ . : - starting with a letter');
  }
  const description = role.description === '' ? '' : fields.text('description', role.description, { label: 'Description', maxLength: ROLE_DESCRIPTION_MAX_LENGTH });
  fields.throwIfAny();
  return { name: role.name, description, permissions: [...new Set(permissions)] };
}

/**
 * Defines a role, or replaces the description and permissions of an existing one. A changed role
 * changes what every holder may do, so the cached authorizations are dropped (here, and through
 * the invalidation bus on every other process): the next Bearer request sees the new permissions.
 */
export async function upsertRole(kernel: Kernel, actor: Principal, role: RoleRecord, client: ClientInfo): Promise<'created' | 'updated'> {
  const checked = readRole(role);
  const existed = (await kernel.stores.roles.listRoles()).some((r) => r.name === checked.name);
  await kernel.stores.roles.upsertRole(checked);
  if (existed) kernel.caches.users.clear();
  kernel.emit({ type: 'role.upserted', role: checked.name, permissions: checked.permissions.join(','), actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
  return existed ? 'updated' : 'created';
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
    await forgetTrustedDevicesOfUser(kernel, user.id, 'admin', client, actor.user.id);
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
  // Remembered devices first: a mark must not skip the second factor of a sign-in after this.
  await forgetTrustedDevicesOfUser(kernel, user.id, 'admin', client, actor.user.id);
  await Promise.all([
    kernel.stores.sessions.deleteSessionsOfUser(user.id),
    kernel.stores.tokens.deleteFamiliesOfUser(user.id),
    kernel.stores.tokens.deleteApiTokensOfUser(user.id),
  ]);
  kernel.caches.families.clear();
  kernel.caches.apiTokens.clear();
  kernel.emit({ type: 'session.revoked', userId: user.id, sessionId: '*all*', by: 'admin', actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
}

/**
 * Ends every session of the user (they must log in again, with their second factor: remembered
 * devices are forgotten too); refresh families and personal access tokens stay (revokeUserCredentials ends those too). One audit row for the lot: `*all*`.
 */
export async function revokeUserSessions(kernel: Kernel, actor: Principal, userId: string, client: ClientInfo): Promise<number> {
  const user = await targetUser(kernel, userId);
  await forgetTrustedDevicesOfUser(kernel, user.id, 'admin', client, actor.user.id);
  const ended = await kernel.stores.sessions.deleteSessionsOfUser(user.id);
  kernel.emit({ type: 'session.revoked', userId: user.id, sessionId: '*all*', by: 'admin', actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
  return ended;
}
