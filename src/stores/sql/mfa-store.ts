/** @module MfaStore on Kysely: each use of a code is one conditional UPDATE, so of racing callers one wins. */
import type { Kysely, Selectable } from 'kysely';
import type { MfaStore, TotpRecord } from '../../core/stores.ts';
import type { Database, MfaTotpTable } from './schema.ts';

const toTotp = (row: Selectable<MfaTotpTable>): TotpRecord => ({
  userId: row.user_id,
  sealedSecret: row.sealed_secret,
  createdAtMs: Number(row.created_at),
  confirmedAtMs: row.confirmed_at === null ? null : Number(row.confirmed_at),
  lastUsedStep: Number(row.last_step),
});

export function createSqlMfaStore(db: Kysely<Database>): MfaStore {
  return {
    async findTotp(userId) {
      const row = await db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return row ? toTotp(row) : undefined;
    },
    async saveUnconfirmedTotp(userId, sealedSecret, nowMs) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
        const inserted = await trx
          .insertInto('mfa_totp')
          .values({ user_id: userId, sealed_secret: sealedSecret, created_at: nowMs, confirmed_at: null, last_step: -1 })
          .onConflict((oc) => oc.column('user_id').doNothing())
          .executeTakeFirst();
        return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
      });
    },
    async useTotpStep(userId, sealedSecret, step, nowMs, confirm) {
      let update = db
        .updateTable('mfa_totp')
        .set(confirm ? { last_step: step, confirmed_at: nowMs } : { last_step: step })
        .where('user_id', '=', userId)
        .where('sealed_secret', '=', sealedSecret)
        .where('last_step', '<', step);
      update = confirm ? update.where('confirmed_at', 'is', null) : update.where('confirmed_at', 'is not', null);
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async resealTotp(userId, previous, next) {
      const result = await db.updateTable('mfa_totp').set({ sealed_secret: next }).where('user_id', '=', userId).where('sealed_secret', '=', previous).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteTotp(userId) {
      const result = await db.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async replaceRecoveryCodes(userId, codeHashes, nowMs) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
        if (codeHashes.length > 0) {
          await trx
            .insertInto('mfa_recovery_codes')
            .values([...new Set(codeHashes)].map((code_hash) => ({ user_id: userId, code_hash, created_at: nowMs, used_at: null })))
            .execute();
        }
      });
    },
    async useRecoveryCode(userId, codeHash, nowMs) {
      const result = await db
        .updateTable('mfa_recovery_codes')
        .set({ used_at: nowMs })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countRecoveryCodes(userId) {
      const row = await db
        .selectFrom('mfa_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteFactorsOfUser(userId) {
      return db.transaction().execute(async (trx) => {
        const totp = await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst();
        const codes = await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
        return Number(totp.numDeletedRows) + Number(codes.numDeletedRows) > 0;
      });
    },
  };
}
