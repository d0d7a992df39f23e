/**
 * @module Verified identity: `users.email_confirmed_at` (accounts that exist before this migration
 * are counted as confirmed — they signed up when no confirmation was asked, and locking them out
 * now would be a surprise, not security), and one table of single-use mailed tokens (confirmation,
 * change of e-mail, sign-in by e-mail): hashed, expiring, redeemed once, bound to what they are for.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const verifiedIdentity: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('email_confirmed_at', 'bigint').execute();
    await sql`update users set email_confirmed_at = created_at`.execute(db);

    await db.schema
      .createTable('one_time_tokens')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('binding', 'varchar(1024)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('one_time_tokens_user_idx').on('one_time_tokens').columns(['user_id', 'purpose']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('one_time_tokens').execute();
    await db.schema.alterTable('users').dropColumn('email_confirmed_at').execute();
  },
};
