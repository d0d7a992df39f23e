import { describe, expect, it } from 'vitest';
import type { Authorization } from '../../core/stores.ts';
import { ADMIN_ROLE, hasAllPermissions, hasAllRoles, hasAnyRole, isOwnerOrAdmin, isRoleName } from './index.ts';

const editor: Authorization = { roles: ['user', 'editor'], permissions: ['docs:read', 'docs:write'] };
const admin: Authorization = { roles: ['user', ADMIN_ROLE], permissions: ['users:manage'] };
const nobody: Authorization = { roles: [], permissions: [] };

describe('roles', () => {
  it('hasAllRoles needs every role', () => {
    expect(hasAllRoles(editor, ['user', 'editor'])).toBe(true);
    expect(hasAllRoles(editor, ['user', 'admin'])).toBe(false);
    expect(hasAllRoles(nobody, ['user'])).toBe(false);
  });

  it('hasAnyRole needs one of them', () => {
    expect(hasAnyRole(editor, ['admin', 'editor'])).toBe(true);
    expect(hasAnyRole(editor, ['admin', 'owner'])).toBe(false);
    expect(hasAnyRole(editor, [])).toBe(false);
  });

  it('role names match exactly: no case folding, no prefixes', () => {
    expect(hasAnyRole(editor, ['Editor', 'edit', 'editor '])).toBe(false);
    expect(hasAllRoles({ roles: ['administrator'], permissions: [] }, [ADMIN_ROLE])).toBe(false);
  });
});

describe('permissions', () => {
  it('hasAllPermissions needs every permission', () => {
    expect(hasAllPermissions(editor, ['docs:read'])).toBe(true);
    expect(hasAllPermissions(editor, ['docs:read', 'docs:delete'])).toBe(false);
    expect(hasAllPermissions(editor, ['docs:*'])).toBe(false);
  });

  it('a role name is not a permission', () => {
    expect(hasAllPermissions(admin, [ADMIN_ROLE])).toBe(false);
  });
});

describe('isOwnerOrAdmin', () => {
  it('lets the owner and an admin, no one else', () => {
    expect(isOwnerOrAdmin('u1', editor, 'u1')).toBe(true);
    expect(isOwnerOrAdmin('u2', admin, 'u1')).toBe(true);
    expect(isOwnerOrAdmin('u2', editor, 'u1')).toBe(false);
    expect(isOwnerOrAdmin('', nobody, 'u1')).toBe(false);
  });
});

describe('isRoleName', () => {
  it.each(['admin', 'user', 'editor:docs', 'team.lead', 'a', 'a_b-c', 'a'.repeat(64)])('accepts %j', (name) => {
    expect(isRoleName(name)).toBe(true);
  });

  it.each(['', 'Admin', '1admin', '_admin', 'a b', 'a'.repeat(65), 'admin\n', 'rôle', 'a/b', 'admin;drop'])('refuses %j', (name) => {
    expect(isRoleName(name)).toBe(false);
  });
});
