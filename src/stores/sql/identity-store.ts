/** @module IdentityStore on Kysely (SQLite and PostgreSQL): social sign-in identities keyed by (issuer, subject). */
import type { Kysely, Selectable } from 'kysely';
import { UniqueViolationError } from '../../core/errors.ts';
import type { IdentityRecord, IdentityStore, NewUser } from '../../core/stores.ts';
import { uniqueViolationColumn, type RawConnection } from './database.ts';
import type { Database, UserIdentitiesTable } from './schema.ts';
import { toUserRecord, toUserRow } from './user-store.ts';

function toIdentityRecord(row: Selectable<UserIdentitiesTable>): IdentityRecord {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    emailVerified: Number(row.email_verified) === 1,
    createdAtMs: Number(row.created_at),
    lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

function toRow(identity: IdentityRecord): UserIdentitiesTable {
  return {
    id: identity.id,
    user_id: identity.userId,
    provider: identity.provider,
    issuer: identity.issuer,
    subject: identity.subject,
    email: identity.email,
    email_verified: identity.emailVerified ? 1 : 0,
    created_at: identity.createdAtMs,
    last_used_at: identity.lastUsedAtMs,
  };
}

/** A unique violation as the contract names it: the user's e-mail or username, or the identity pair ('other'). */
function asUniqueViolation(error: unknown): unknown {
  const column = uniqueViolationColumn(error);
  if (column === undefined) return error;
  return new UniqueViolationError(column.includes('email_key') || column === 'users_email_key_key' ? 'email' : column.includes('username') ? 'username' : 'other');
}

export function createSqlIdentityStore(db: Kysely<Database>, raw: RawConnection): IdentityStore {
  return {
    async createIdentity(identity) {
      try {
        await db.insertInto('user_identities').values(toRow(identity)).execute();
      } catch (error) {
        throw asUniqueViolation(error);
      }
    },
    async createUserWithIdentity(user: NewUser, identity) {
      const row = toUserRow(user);
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(row).execute();
          await trx.insertInto('user_identities').values(toRow({ ...identity, userId: user.id })).execute();
        });
      } catch (error) {
        throw asUniqueViolation(error);
      }
      return toUserRecord(row);
    },
    async findIdentity(issuer, subject) {
      const row = await db.selectFrom('user_identities').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
      return row ? toIdentityRecord(row) : undefined;
    },
    async listIdentitiesOfUser(userId) {
      const rows = await db.selectFrom('user_identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toIdentityRecord);
    },
    async recordIdentityUse(id, use) {
      await db
        .updateTable('user_identities')
        .set({ last_used_at: use.atMs, email: use.email, email_verified: use.emailVerified ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    },
    deleteIdentityOfUser(id, userId, { keepOne }) {
      return db.transaction().execute(async (trx) => {
        // The user's row is the lock: concurrent unlinks of one user's identities take turns (SQLite's writer lock does the same).
        const user = trx.selectFrom('users').select('id').where('id', '=', userId);
        if (!(await (raw.kind === 'postgres' ? user.forUpdate() : user).executeTakeFirst())) return 'not-found';
        const rows = await trx.selectFrom('user_identities').select('id').where('user_id', '=', userId).execute();
        if (!rows.some((row) => row.id === id)) return 'not-found';
        if (keepOne && rows.length < 2) return 'last';
        await trx.deleteFrom('user_identities').where('id', '=', id).where('user_id', '=', userId).execute();
        return 'deleted';
      });
    },
  };
}
