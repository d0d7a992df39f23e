/** @module TokenStore on Kysely: refresh-token families (rotation is one conditional UPDATE) and personal access tokens. */
import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenRecord, RefreshTokenRecord, TokenFamilyRecord, TokenStore } from '../../core/stores.ts';
import type { ApiTokensTable, Database, RefreshTokensTable, TokenFamiliesTable } from './schema.ts';

const toFamily = (row: Selectable<TokenFamiliesTable>): TokenFamilyRecord => ({
  id: row.id,
  userId: row.user_id,
  uniquifier: row.uniquifier,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
});

const toRefresh = (row: Selectable<RefreshTokensTable>): RefreshTokenRecord => ({
  tokenHash: row.token_hash,
  familyId: row.family_id,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  usedAtMs: row.used_at === null ? null : Number(row.used_at),
});

const toApiToken = (row: Selectable<ApiTokensTable>): ApiTokenRecord => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  tokenHash: row.token_hash,
  hint: row.hint,
  uniquifier: row.uniquifier,
  createdAtMs: Number(row.created_at),
  expiresAtMs: row.expires_at === null ? null : Number(row.expires_at),
  lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
  lastUsedIp: row.last_used_ip,
});

const refreshRow = (t: RefreshTokenRecord): RefreshTokensTable => ({
  token_hash: t.tokenHash,
  family_id: t.familyId,
  created_at: t.createdAtMs,
  expires_at: t.expiresAtMs,
  used_at: t.usedAtMs,
});

export function createSqlTokenStore(db: Kysely<Database>): TokenStore {
  return {
    async createFamily(family, first) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('token_families')
          .values({ id: family.id, user_id: family.userId, uniquifier: family.uniquifier, created_at: family.createdAtMs, expires_at: family.expiresAtMs })
          .execute();
        await trx.insertInto('refresh_tokens').values(refreshRow(first)).execute();
      });
    },
    async findFamily(id) {
      const row = await db.selectFrom('token_families').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toFamily(row) : undefined;
    },
    async findRefreshToken(tokenHash) {
      const row = await db
        .selectFrom('refresh_tokens as r')
        .innerJoin('token_families as f', 'f.id', 'r.family_id')
        .select(['r.token_hash', 'r.family_id', 'r.created_at', 'r.expires_at', 'r.used_at'])
        .select(['f.user_id', 'f.uniquifier', 'f.created_at as family_created_at', 'f.expires_at as family_expires_at'])
        .where('r.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        token: toRefresh(row),
        family: toFamily({ id: row.family_id, user_id: row.user_id, uniquifier: row.uniquifier, created_at: row.family_created_at, expires_at: row.family_expires_at }),
      };
    },
    async rotateRefreshToken(oldHash, usedAtMs, next) {
      return db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('refresh_tokens')
          .set({ used_at: usedAtMs })
          .where('token_hash', '=', oldHash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return false;
        await trx.insertInto('refresh_tokens').values(refreshRow(next)).execute();
        return true;
      });
    },
    async deleteFamily(id) {
      const result = await db.deleteFrom('token_families').where('id', '=', id).executeTakeFirst();
      await db.deleteFrom('refresh_tokens').where('family_id', '=', id).execute();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteFamiliesOfUser(userId) {
      const families = db.selectFrom('token_families').select('id').where('user_id', '=', userId);
      await db.deleteFrom('refresh_tokens').where('family_id', 'in', families).execute();
      const result = await db.deleteFrom('token_families').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async createApiToken(t) {
      await db
        .insertInto('api_tokens')
        .values({
          id: t.id,
          user_id: t.userId,
          name: t.name,
          token_hash: t.tokenHash,
          hint: t.hint,
          uniquifier: t.uniquifier,
          created_at: t.createdAtMs,
          expires_at: t.expiresAtMs,
          last_used_at: t.lastUsedAtMs,
          last_used_ip: t.lastUsedIp,
        })
        .execute();
    },
    async findApiTokenByHash(tokenHash) {
      const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? toApiToken(row) : undefined;
    },
    async listApiTokensOfUser(userId) {
      const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toApiToken);
    },
    async touchApiToken(id, atMs, ip) {
      await db.updateTable('api_tokens').set({ last_used_at: atMs, last_used_ip: ip }).where('id', '=', id).execute();
    },
    async deleteApiTokenOfUser(id, userId) {
      const result = await db.deleteFrom('api_tokens').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteApiTokensOfUser(userId) {
      const result = await db.deleteFrom('api_tokens').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async createResetToken(t) {
      await db.insertInto('reset_tokens').values({ token_hash: t.tokenHash, user_id: t.userId, created_at: t.createdAtMs, expires_at: t.expiresAtMs, used_at: null }).execute();
    },
    async consumeResetToken(tokenHash, nowMs) {
      const claimed = await db
        .updateTable('reset_tokens')
        .set({ used_at: nowMs })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return undefined;
      const row = await db.selectFrom('reset_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? { tokenHash: row.token_hash, userId: row.user_id, createdAtMs: Number(row.created_at), expiresAtMs: Number(row.expires_at) } : undefined;
    },
    async findResetToken(tokenHash) {
      const row = await db.selectFrom('reset_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!row) return undefined;
      return {
        tokenHash: row.token_hash,
        userId: row.user_id,
        createdAtMs: Number(row.created_at),
        expiresAtMs: Number(row.expires_at),
        usedAtMs: row.used_at === null ? null : Number(row.used_at),
      };
    },
    async deleteResetTokensOfUser(userId, exceptTokenHash) {
      let query = db.deleteFrom('reset_tokens').where('user_id', '=', userId);
      if (exceptTokenHash !== undefined) query = query.where('token_hash', '!=', exceptTokenHash);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
