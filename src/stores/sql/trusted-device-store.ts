/** @module TrustedDeviceStore on Kysely: a use is one conditional `UPDATE … RETURNING`, so a deleted device is never used afterwards. */
import type { Kysely, Selectable } from 'kysely';
import type { TrustedDeviceRecord, TrustedDeviceStore } from '../../core/stores.ts';
import type { Database, MfaTrustedDevicesTable } from './schema.ts';

const toDevice = (row: Selectable<MfaTrustedDevicesTable>): TrustedDeviceRecord => ({
  id: row.id,
  userId: row.user_id,
  tokenHash: row.token_hash,
  uniquifier: row.uniquifier,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
  userAgent: row.user_agent,
});

export function createSqlTrustedDeviceStore(db: Kysely<Database>): TrustedDeviceStore {
  return {
    async createDevice(d) {
      await db
        .insertInto('mfa_trusted_devices')
        .values({
          id: d.id,
          user_id: d.userId,
          token_hash: d.tokenHash,
          uniquifier: d.uniquifier,
          created_at: d.createdAtMs,
          expires_at: d.expiresAtMs,
          last_used_at: d.lastUsedAtMs,
          user_agent: d.userAgent,
        })
        .execute();
    },
    async useDevice(tokenHash, userId, uniquifier, nowMs) {
      const row = await db
        .updateTable('mfa_trusted_devices')
        .set({ last_used_at: nowMs })
        .where('token_hash', '=', tokenHash)
        .where('user_id', '=', userId)
        .where('uniquifier', '=', uniquifier)
        .where('expires_at', '>', nowMs)
        .returningAll()
        .executeTakeFirst();
      return row ? toDevice(row) : undefined;
    },
    async listDevicesOfUser(userId) {
      const rows = await db.selectFrom('mfa_trusted_devices').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toDevice);
    },
    async deleteDeviceOfUser(id, userId) {
      const result = await db.deleteFrom('mfa_trusted_devices').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteDevicesOfUser(userId) {
      const result = await db.deleteFrom('mfa_trusted_devices').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpiredDevices(nowMs) {
      const result = await db.deleteFrom('mfa_trusted_devices').where('expires_at', '<=', nowMs).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
