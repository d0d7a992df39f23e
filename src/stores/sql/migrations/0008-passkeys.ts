/** @module Passkeys (WebAuthn credentials): the credential id unique across users, several per user, gone with the user. */
import type { Kysely, Migration } from 'kysely';

export const passkeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mfa_passkeys')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // base64url of at most 1023 bytes (WebAuthn's limit on a credential id).
      .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull().unique())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('transports', 'varchar(255)', (c) => c.notNull().defaultTo(''))
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('mfa_passkeys_user_idx').on('mfa_passkeys').column('user_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mfa_passkeys').execute();
  },
};
