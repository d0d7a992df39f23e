/** @module Password-reset tokens: hashed, single use, expiring. */
import type { Kysely, Migration } from 'kysely';

export const passwordReset: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('reset_tokens')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('reset_tokens_user_idx').on('reset_tokens').column('user_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('reset_tokens').execute();
  },
};
