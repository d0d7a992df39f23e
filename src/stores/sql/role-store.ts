/** @module RoleStore on Kysely: roles, the permissions they grant, and who has them. */
import type { Kysely } from 'kysely';
import type { Authorization, RoleRecord, RoleStore } from '../../core/stores.ts';
import { uniqueViolationColumn, type RawConnection } from './database.ts';
import { prepareStatement } from './prepared.ts';
import type { Database } from './schema.ts';

export function createSqlRoleStore(db: Kysely<Database>, raw: RawConnection): RoleStore {
  // Every login reads the user's roles: prepared once (prepared.ts).
  const rolesOfUser = prepareStatement<{ role: string; permission: string | null }>(
    raw,
    'roles_of_user',
    'select ur.role_name as role, rp.permission as permission from user_roles ur left join role_permissions rp on rp.role_name = ur.role_name where ur.user_id = ?',
  );
  return {
    async upsertRole(role: RoleRecord) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('roles')
          .values({ name: role.name, description: role.description })
          .onConflict((oc) => oc.column('name').doUpdateSet({ description: role.description }))
          .execute();
        await trx.deleteFrom('role_permissions').where('role_name', '=', role.name).execute();
        const permissions = [...new Set(role.permissions)];
        if (permissions.length > 0) {
          await trx.insertInto('role_permissions').values(permissions.map((permission) => ({ role_name: role.name, permission }))).execute();
        }
      });
    },
    async listRoles() {
      const [roles, grants] = await Promise.all([
        db.selectFrom('roles').selectAll().orderBy('name').execute(),
        db.selectFrom('role_permissions').selectAll().orderBy('permission').execute(),
      ]);
      return roles.map((r) => ({
        name: r.name,
        description: r.description,
        permissions: grants.filter((g) => g.role_name === r.name).map((g) => g.permission),
      }));
    },
    async grantRole(userId, roleName) {
      const role = await db.selectFrom('roles').select('name').where('name', '=', roleName).executeTakeFirst();
      if (!role) return false;
      try {
        await db.insertInto('user_roles').values({ user_id: userId, role_name: roleName }).onConflict((oc) => oc.doNothing()).execute();
      } catch (error) {
        if (uniqueViolationColumn(error) === undefined) throw error;
      }
      return true;
    },
    async revokeRole(userId, roleName) {
      const result = await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_name', '=', roleName).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async authorizationOfUser(userId): Promise<Authorization> {
      const rows = await rolesOfUser.all([userId]);
      const roles = [...new Set(rows.map((r) => r.role))].sort();
      const permissions = [...new Set(rows.flatMap((r) => (r.permission ? [r.permission] : [])))].sort();
      return { roles, permissions };
    },
  };
}
