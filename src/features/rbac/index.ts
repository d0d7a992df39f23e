/** @module Role and permission checks over a user's Authorization snapshot. */
import type { Authorization } from '../../core/stores.ts';

export const ADMIN_ROLE = 'admin';

/** All of the roles (Flask-Security's `roles_required`). */
export function hasAllRoles(authorization: Authorization, roles: readonly string[]): boolean {
  return roles.every((role) => authorization.roles.includes(role));
}

/** At least one of the roles (`roles_accepted`). */
export function hasAnyRole(authorization: Authorization, roles: readonly string[]): boolean {
  return roles.some((role) => authorization.roles.includes(role));
}

/** All of the permissions, granted through any role (`permissions_required`). */
export function hasAllPermissions(authorization: Authorization, permissions: readonly string[]): boolean {
  return permissions.every((permission) => authorization.permissions.includes(permission));
}

/** The seed's ownership rule: the owner may, and so may an admin. */
export function isOwnerOrAdmin(userId: string, authorization: Authorization, ownerId: string): boolean {
  return userId === ownerId || authorization.roles.includes(ADMIN_ROLE);
}

const ROLE_NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;

export function isRoleName(name: string): boolean {
  return ROLE_NAME.test(name);
}
