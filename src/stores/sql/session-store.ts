/** @module SessionStore on Kysely: sessions found by the SHA-256 of their token, on an indexed column. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { SessionRecord, SessionStore } from '../../core/stores.ts';
import type { RawConnection } from './database.ts';
import type { Database, SessionsTable } from './schema.ts';
import { prepareStatement } from './prepared.ts';
import { createSessionLookup } from './session-lookup.ts';

function toSessionRecord(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    uniquifier: row.uniquifier,
    createdAtMs: Number(row.created_at),
    lastSeenAtMs: Number(row.last_seen_at),
    expiresAtMs: Number(row.expires_at),
    freshAtMs: Number(row.fresh_at),
    graceUntilMs: Number(row.grace_until),
    remember: Number(row.remember) === 1,
    ip: row.ip,
    userAgent: row.user_agent,
    fingerprint: row.fingerprint,
    aal: Number(row.aal) === 2 ? 2 : 1,
    amr: row.amr,
    factorAtMs: Number(row.factor_at),
  };
}

const INSERT_SESSION = `insert into sessions (id, token_hash, user_id, uniquifier, created_at, last_seen_at, expires_at, fresh_at, grace_until, remember, ip, user_agent, fingerprint, aal, amr, factor_at)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Every login runs this: the session insert and the user's last-login time, one commit. SQLite: both
 * statements, prepared once, in one better-sqlite3 transaction. PostgreSQL: one named statement
 * whose data-modifying WITH inserts the session and updates the user from it.
 */
function prepareSessionStart(raw: RawConnection): (params: readonly unknown[]) => Promise<void> {
  if (raw.kind === 'sqlite') {
    const { file } = raw;
    // Prepared on first use (the tables exist only after migration); params in INSERT_SESSION's
    // order (user_id 3rd, created_at 5th).
    let run: ((params: readonly unknown[]) => void) | undefined;
    const prepare = () => {
      const insert = file.prepare(INSERT_SESSION);
      const recordLogin = file.prepare('update users set last_login_at = ? where id = ?');
      return file.transaction((p: readonly unknown[]) => {
        insert.run(...p);
        recordLogin.run(p[4], p[2]);
      });
    };
    return async (params) => {
      (run ??= prepare())(params);
    };
  }
  const both = prepareStatement<never>(
    raw,
    'start_session',
    `with s as (${INSERT_SESSION} returning user_id, created_at) update users set last_login_at = s.created_at from s where users.id = s.user_id`,
  );
  return (params) => both.run(params);
}

export function createSqlSessionStore(db: Kysely<Database>, raw: RawConnection): SessionStore {
  const lookup = createSessionLookup(raw);
  const startSession = prepareSessionStart(raw);
  return {
    async createSession(s) {
      await startSession([
        s.id,
        s.tokenHash,
        s.userId,
        s.uniquifier,
        s.createdAtMs,
        s.lastSeenAtMs,
        s.expiresAtMs,
        s.freshAtMs,
        s.graceUntilMs,
        s.remember ? 1 : 0,
        s.ip,
        s.userAgent,
        s.fingerprint,
        s.aal,
        s.amr,
        s.factorAtMs,
      ]);
    },
    findSessionByTokenHash: lookup,
    async listSessionsOfUser(userId) {
      const rows = await db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();
      return rows.map(toSessionRecord);
    },
    async touchSession(id, lastSeenAtMs) {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAtMs }).where('id', '=', id).execute();
    },
    async updateFreshness(id, change) {
      const set: Updateable<SessionsTable> = {};
      if (change.freshAtMs !== undefined) set.fresh_at = change.freshAtMs;
      if (change.graceUntilMs !== undefined) set.grace_until = change.graceUntilMs;
      if (change.fingerprint !== undefined) set.fingerprint = change.fingerprint;
      if (change.aal !== undefined) set.aal = change.aal;
      if (change.amr !== undefined) set.amr = change.amr;
      if (change.factorAtMs !== undefined) set.factor_at = change.factorAtMs;
      if (Object.keys(set).length === 0) return;
      await db.updateTable('sessions').set(set).where('id', '=', id).execute();
    },
    async rotateSessionToken(id, currentTokenHash, nextTokenHash) {
      // Compare-and-swap in one statement: the row changes only if it still holds the old hash.
      const result = await db
        .updateTable('sessions')
        .set({ token_hash: nextTokenHash })
        .where('id', '=', id)
        .where('token_hash', '=', currentTokenHash)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteSession(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteSessionOfUser(id, userId) {
      const result = await db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteSessionsOfUser(userId, exceptId) {
      let query = db.deleteFrom('sessions').where('user_id', '=', userId);
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async countActiveSessions(nowMs, idleTimeoutMs) {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('expires_at', '>', nowMs)
        .where('last_seen_at', '>', nowMs - idleTimeoutMs)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async deleteExpiredSessions(nowMs, idleTimeoutMs) {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('last_seen_at', '<=', nowMs - idleTimeoutMs)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
