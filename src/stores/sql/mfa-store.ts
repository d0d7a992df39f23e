/** @module MfaStore on Kysely: each use of a code is one conditional UPDATE, so of racing callers one wins. */
import type { Kysely, Selectable } from 'kysely';
import type { MfaStore, PasskeyRecord, TotpRecord } from '../../core/stores.ts';
import type { Database, MfaPasskeysTable, MfaTotpTable } from './schema.ts';

const toTotp = (row: Selectable<MfaTotpTable>): TotpRecord => ({
  userId: row.user_id,
  sealedSecret: row.sealed_secret,
  createdAtMs: Number(row.created_at),
  confirmedAtMs: row.confirmed_at === null ? null : Number(row.confirmed_at),
  lastUsedStep: Number(row.last_step),
});

const toPasskey = (row: Selectable<MfaPasskeysTable>): PasskeyRecord => ({
  id: row.id,
  userId: row.user_id,
  credentialId: row.credential_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  transports: row.transports === '' ? [] : row.transports.split(','),
  name: row.name,
  deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  backedUp: Number(row.backed_up) === 1,
  createdAtMs: Number(row.created_at),
  lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
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
        const passkeys = await trx.deleteFrom('mfa_passkeys').where('user_id', '=', userId).executeTakeFirst();
        return Number(totp.numDeletedRows) + Number(codes.numDeletedRows) + Number(passkeys.numDeletedRows) > 0;
      });
    },
    async savePasskey(passkey) {
      const inserted = await db
        .insertInto('mfa_passkeys')
        .values({
          id: passkey.id,
          user_id: passkey.userId,
          credential_id: passkey.credentialId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: passkey.transports.join(','),
          name: passkey.name,
          device_type: passkey.deviceType,
          backed_up: passkey.backedUp ? 1 : 0,
          created_at: passkey.createdAtMs,
          last_used_at: passkey.lastUsedAtMs,
        })
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async listPasskeysOfUser(userId) {
      const rows = await db.selectFrom('mfa_passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPasskey);
    },
    async findPasskeyByCredentialId(credentialId) {
      const row = await db.selectFrom('mfa_passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? toPasskey(row) : undefined;
    },
    async usePasskey(userId, credentialId, { counter, backedUp, nowMs }) {
      const result = await db
        .updateTable('mfa_passkeys')
        .set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: nowMs })
        .where('user_id', '=', userId)
        .where('credential_id', '=', credentialId)
        .where((eb) => (counter === 0 ? eb('counter', '=', 0) : eb('counter', '<', counter)))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async renamePasskey(userId, id, name) {
      const result = await db.updateTable('mfa_passkeys').set({ name }).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deletePasskey(userId, id) {
      const result = await db.deleteFrom('mfa_passkeys').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
