/** @module Second factors: TOTP secrets (sealed), recovery codes (hashed), and how each session was made (assurance). */
import type { Kysely, Migration } from 'kysely';

export const multiFactor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mfa_totp')
      .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('sealed_secret', 'varchar(255)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(-1))
      .execute();
    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addPrimaryKeyConstraint('mfa_recovery_codes_pk', ['user_id', 'code_hash'])
      .execute();
    // How the session was made: assurance level (1 one factor, 2 two), the methods (`pwd`, `otp`, …), when the last factor was proved.
    await db.schema.alterTable('sessions').addColumn('aal', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('sessions').addColumn('amr', 'varchar(64)', (c) => c.notNull().defaultTo('pwd')).execute();
    await db.schema.alterTable('sessions').addColumn('factor_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('sessions').dropColumn('factor_at').execute();
    await db.schema.alterTable('sessions').dropColumn('amr').execute();
    await db.schema.alterTable('sessions').dropColumn('aal').execute();
    await db.schema.dropTable('mfa_recovery_codes').execute();
    await db.schema.dropTable('mfa_totp').execute();
  },
};
