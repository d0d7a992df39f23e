/** @module Store conformance: the RoleStore contract. */
import { describe, expect, it } from 'vitest';
import { hex, type Fixture } from './fixtures.ts';

export function describeRoleStore(f: Fixture): void {
  const { roles, storedUser } = f;
  describe('RoleStore', () => {
    const roleName = () => `role-${hex()}`;
    const roleOf = async (name: string) => (await roles().listRoles()).find((r) => r.name === name);

    it('creates a role with permissions; upserting again replaces description and permissions', async () => {
      const name = roleName();
      await roles().upsertRole({ name, description: 'Editors', permissions: ['docs:write', 'docs:read', 'docs:read'] });
      let role = await roleOf(name);
      expect(role?.description).toBe('Editors');
      expect([...(role?.permissions ?? [])].sort()).toEqual(['docs:read', 'docs:write']);

      await roles().upsertRole({ name, description: 'Readers', permissions: ['docs:read', 'docs:list'] });
      role = await roleOf(name);
      expect(role?.description).toBe('Readers');
      expect([...(role?.permissions ?? [])].sort()).toEqual(['docs:list', 'docs:read']);

      await roles().upsertRole({ name, description: '', permissions: [] });
      role = await roleOf(name);
      expect(role).toEqual({ name, description: '', permissions: [] });
    });

    it('re-upserting a granted role changes what its holders may do', async () => {
      const user = await storedUser();
      const name = roleName();
      await roles().upsertRole({ name, description: '', permissions: ['a:read'] });
      expect(await roles().grantRole(user.id, name)).toBe(true);
      await roles().upsertRole({ name, description: '', permissions: ['b:read'] });
      expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [name], permissions: ['b:read'] });
    });

    it('grantRole of an unknown role returns false and grants nothing', async () => {
      const user = await storedUser();
      expect(await roles().grantRole(user.id, `missing-${hex()}`)).toBe(false);
      expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [], permissions: [] });
    });

    it('granting twice is a no-op; revokeRole says whether the user had the role', async () => {
      const user = await storedUser();
      const name = roleName();
      await roles().upsertRole({ name, description: 'x', permissions: ['p:one'] });
      expect(await roles().grantRole(user.id, name)).toBe(true);
      expect(await roles().grantRole(user.id, name)).toBe(true);
      expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [name], permissions: ['p:one'] });
      expect(await roles().revokeRole(user.id, name)).toBe(true);
      expect(await roles().revokeRole(user.id, name)).toBe(false);
      expect(await roles().revokeRole(user.id, `missing-${hex()}`)).toBe(false);
      expect(await roles().authorizationOfUser(user.id)).toEqual({ roles: [], permissions: [] });
    });

    it('grantRoleIfUnheld grants only while nobody holds the role; an unknown role grants nothing', async () => {
      const [first, second] = [await storedUser(), await storedUser()];
      expect(await roles().grantRoleIfUnheld(first.id, `missing-${hex()}`)).toBe('unknown-role');
      const name = roleName();
      await roles().upsertRole({ name, description: '', permissions: ['p:one'] });
      expect(await roles().grantRoleIfUnheld(first.id, name)).toBe('granted');
      expect(await roles().grantRoleIfUnheld(second.id, name)).toBe('held');
      expect(await roles().grantRoleIfUnheld(first.id, name)).toBe('held');
      expect((await roles().authorizationOfUser(first.id)).roles).toEqual([name]);
      expect((await roles().authorizationOfUser(second.id)).roles).toEqual([]);
      // Once nobody holds it any more, the next caller gets it.
      expect(await roles().revokeRole(first.id, name)).toBe(true);
      expect(await roles().grantRoleIfUnheld(second.id, name)).toBe('granted');
    });

    it('grantRoleIfUnheld under concurrency: exactly one of many callers is granted', async () => {
      const name = roleName();
      await roles().upsertRole({ name, description: '', permissions: [] });
      const users = await Promise.all(Array.from({ length: 8 }, () => storedUser()));
      const results = await Promise.all(users.map((user) => roles().grantRoleIfUnheld(user.id, name)));
      expect(results.filter((r) => r === 'granted')).toHaveLength(1);
      expect(results.filter((r) => r === 'held')).toHaveLength(users.length - 1);
      const holders = await Promise.all(users.map(async (user) => (await roles().authorizationOfUser(user.id)).roles.includes(name)));
      expect(holders.filter(Boolean)).toHaveLength(1);
    });

    it('authorizationOfUser unions permissions across roles, sorted and unique', async () => {
      const user = await storedUser();
      const other = await storedUser();
      const [r1, r2, r3] = ['b', 'a', 'c'].map((prefix) => `${prefix}-${roleName()}`) as [string, string, string];
      await roles().upsertRole({ name: r1, description: '', permissions: ['docs:write', 'docs:read'] });
      await roles().upsertRole({ name: r2, description: '', permissions: ['docs:read', 'admin:users'] });
      await roles().upsertRole({ name: r3, description: 'no permissions', permissions: [] });
      for (const r of [r1, r2, r3]) expect(await roles().grantRole(user.id, r)).toBe(true);
      expect(await roles().grantRole(other.id, r1)).toBe(true);

      expect(await roles().authorizationOfUser(user.id)).toEqual({
        roles: [r2, r1, r3],
        permissions: ['admin:users', 'docs:read', 'docs:write'],
      });
      expect(await roles().authorizationOfUser(other.id)).toEqual({ roles: [r1], permissions: ['docs:read', 'docs:write'] });
      expect(await roles().authorizationOfUser(`u-missing-${hex()}`)).toEqual({ roles: [], permissions: [] });
    });
  });
}
