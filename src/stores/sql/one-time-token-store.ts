/** @module OneTimeTokenStore on Kysely: redeeming is one conditional `UPDATE … RETURNING` (SQLite ≥ 3.35 and PostgreSQL). */
import type { Kysely, Selectable } from 'kysely';
import type { OneTimeTokenPurpose, OneTimeTokenRecord, OneTimeTokenStore } from '../../core/stores.ts';
import type { Database, OneTimeTokensTable } from './schema.ts';

const toRecord = (row: Selectable<OneTimeTokensTable>): OneTimeTokenRecord => ({
  tokenHash: row.token_hash,
  purpose: row.purpose as OneTimeTokenPurpose,
  userId: row.user_id,
  binding: row.binding,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
});

export function createSqlOneTimeTokenStore(db: Kysely<Database>): OneTimeTokenStore {
  return {
    async createOneTimeToken(t) {
      await db
        .insertInto('one_time_tokens')
        .values({ token_hash: t.tokenHash, purpose: t.purpose, user_id: t.userId, binding: t.binding, created_at: t.createdAtMs, expires_at: t.expiresAtMs, used_at: null })
        .execute();
    },
    async consumeOneTimeToken(tokenHash, purpose, nowMs) {
      const row = await db
        .updateTable('one_time_tokens')
        .set({ used_at: nowMs })
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', nowMs)
        .returningAll()
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async findOneTimeToken(tokenHash) {
      const row = await db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? { ...toRecord(row), usedAtMs: row.used_at === null ? null : Number(row.used_at) } : undefined;
    },
    async deleteOneTimeTokensOfUser(userId, purpose) {
      const result = await db.deleteFrom('one_time_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
