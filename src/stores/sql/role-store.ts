/** @module RoleStore on Kysely: roles, the permissions they grant, and who has them. */
import { sql, type Kysely } from 'kysely';
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
    async grantRoleIfUnheld(userId, roleName) {
      return db.transaction().execute(async (trx) => {
        // PostgreSQL (read committed): the role row's lock queues concurrent calls, and the insert
        // below, run after the lock is ours, sees the rows the previous holder committed. SQLite has
        // one writer: a stale read cannot turn into a write (SQLITE_BUSY instead).
        const lookup = trx.selectFrom('roles').select('name').where('name', '=', roleName);
        const role = await (raw.kind === 'postgres' ? lookup.forUpdate() : lookup).executeTakeFirst();
        if (!role) return 'unknown-role';
        const inserted = await sql`insert into user_roles (user_id, role_name) select cast(${userId} as varchar(64)), cast(${roleName} as varchar(64))
          where not exists (select 1 from user_roles where role_name = ${roleName})`.execute(trx);
        return Number(inserted.numAffectedRows ?? 0) > 0 ? 'granted' : 'held';
      });
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
