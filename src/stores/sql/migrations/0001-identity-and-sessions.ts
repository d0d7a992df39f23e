/** @module Users, roles, permissions and sessions. One migration set for SQLite and PostgreSQL. */
import type { Kysely, Migration } from 'kysely';

export const identityAndSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('email', 'varchar(320)', (c) => c.notNull())
      .addColumn('email_key', 'varchar(320)', (c) => c.notNull().unique())
      .addColumn('username', 'varchar(64)')
      .addColumn('username_key', 'varchar(64)', (c) => c.unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('uniquifier', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('last_login_at', 'bigint')
      .execute();
    await db.schema.createIndex('users_created_at_idx').on('users').column('created_at').execute();

    await db.schema
      .createTable('roles')
      .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .execute();

    await db.schema
      .createTable('role_permissions')
      .addColumn('role_name', 'varchar(64)', (c) => c.notNull().references('roles.name').onDelete('cascade'))
      .addColumn('permission', 'varchar(128)', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_permissions_pk', ['role_name', 'permission'])
      .execute();

    await db.schema
      .createTable('user_roles')
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role_name', 'varchar(64)', (c) => c.notNull().references('roles.name').onDelete('cascade'))
      .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_name'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('uniquifier', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('fresh_at', 'bigint', (c) => c.notNull())
      .addColumn('grace_until', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('remember', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_agent', 'varchar(512)', (c) => c.notNull())
      .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
    await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['sessions', 'user_roles', 'role_permissions', 'roles', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
