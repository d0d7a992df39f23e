/** @module UserStore on Kysely (SQLite and PostgreSQL). */
import { sql, type Kysely, type Selectable } from 'kysely';
import { UniqueViolationError } from '../../core/errors.ts';
import type { NewUser, UserPage, UserRecord, UserStore } from '../../core/stores.ts';
import { uniqueViolationColumn, type RawConnection } from './database.ts';
import { prepareStatement } from './prepared.ts';
import type { Database, UsersTable } from './schema.ts';

export function toUserRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    emailKey: row.email_key,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    active: Number(row.active) === 1,
    uniquifier: row.uniquifier,
    createdAtMs: Number(row.created_at),
    updatedAtMs: Number(row.updated_at),
    lastLoginAtMs: row.last_login_at === null ? null : Number(row.last_login_at),
    emailConfirmedAtMs: row.email_confirmed_at === null || row.email_confirmed_at === undefined ? null : Number(row.email_confirmed_at),
  };
}

/** `%`, `_` and `\` in a search are literal, not wildcards. */
/** The row a new user is inserted as (createUser, and createUserWithIdentity in identity-store.ts). */
export function toUserRow(user: NewUser): UsersTable {
  return {
    id: user.id,
    email: user.email,
    email_key: user.emailKey,
    username: user.username,
    username_key: user.usernameKey,
    password_hash: user.passwordHash,
    active: 1,
    uniquifier: user.uniquifier,
    created_at: user.nowMs,
    updated_at: user.nowMs,
    last_login_at: null,
    email_confirmed_at: user.emailConfirmedAtMs ?? null,
  };
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export function createSqlUserStore(db: Kysely<Database>, raw: RawConnection): UserStore {
  // Every login looks its user up and records the time: prepared once (prepared.ts).
  const lookups = {
    id: prepareStatement<Selectable<UsersTable>>(raw, 'user_by_id', 'select * from users where id = ?'),
    email_key: prepareStatement<Selectable<UsersTable>>(raw, 'user_by_email_key', 'select * from users where email_key = ?'),
    username_key: prepareStatement<Selectable<UsersTable>>(raw, 'user_by_username_key', 'select * from users where username_key = ?'),
  };
  const byColumn = async (column: keyof typeof lookups, value: string) => {
    const row = await lookups[column].first([value]);
    return row ? toUserRecord(row) : undefined;
  };
  return {
    async createUser(user: NewUser) {
      const row = toUserRow(user);
      try {
        await db.insertInto('users').values(row).execute();
      } catch (error) {
        const column = uniqueViolationColumn(error);
        if (column === undefined) throw error;
        throw new UniqueViolationError(column.includes('email') ? 'email' : column.includes('username') ? 'username' : 'other');
      }
      return toUserRecord(row);
    },
    findUserById: (id) => byColumn('id', id),
    findUserByEmailKey: (key) => byColumn('email_key', key),
    findUserByUsernameKey: (key) => byColumn('username_key', key),
    async listUsers({ search, offset, limit }): Promise<UserPage> {
      let query = db.selectFrom('users');
      if (search) {
        const pattern = likePattern(search.toLowerCase());
        // ESCAPE is explicit: PostgreSQL defaults to backslash, SQLite has no default escape.
        query = query.where((eb) =>
          eb.or([sql<boolean>`email_key like ${pattern} escape '\\'`, sql<boolean>`username_key like ${pattern} escape '\\'`]),
        );
      }
      const [rows, count] = await Promise.all([
        query.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(offset).limit(limit).execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
      ]);
      return { users: rows.map(toUserRecord), total: Number(count?.n ?? 0) };
    },
    async setUserActive(id, active, nowMs) {
      await db.updateTable('users').set({ active: active ? 1 : 0, updated_at: nowMs }).where('id', '=', id).execute();
    },
    async rotateUniquifier(id, uniquifier, nowMs) {
      await db.updateTable('users').set({ uniquifier, updated_at: nowMs }).where('id', '=', id).execute();
    },
    async setPasswordHash(id, passwordHash, nowMs) {
      await db.updateTable('users').set({ password_hash: passwordHash, updated_at: nowMs }).where('id', '=', id).execute();
    },
    async confirmEmail(id, emailKey, nowMs) {
      const result = await db
        .updateTable('users')
        .set({ email_confirmed_at: nowMs, updated_at: nowMs })
        .where('id', '=', id)
        .where('email_key', '=', emailKey)
        .where('email_confirmed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async changeEmail(id, fromEmailKey, to, nowMs) {
      try {
        const result = await db
          .updateTable('users')
          .set({ email: to.email, email_key: to.emailKey, email_confirmed_at: nowMs, updated_at: nowMs })
          .where('id', '=', id)
          .where('email_key', '=', fromEmailKey)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1 ? 'changed' : 'stale';
      } catch (error) {
        if (uniqueViolationColumn(error) !== undefined) return 'taken';
        throw error;
      }
    },
  };
}
