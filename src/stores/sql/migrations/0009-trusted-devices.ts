/** @module Remembered devices (MFA_REMEMBER_DEVICE): the SHA-256 of each browser's mark, its user, lifetime and last use. */
import type { Kysely, Migration } from 'kysely';

export const trustedDevices: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mfa_trusted_devices')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('uniquifier', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('user_agent', 'varchar(128)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mfa_trusted_devices_user_idx').on('mfa_trusted_devices').column('user_id').execute();
    await db.schema.createIndex('mfa_trusted_devices_expires_idx').on('mfa_trusted_devices').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mfa_trusted_devices').execute();
  },
};
