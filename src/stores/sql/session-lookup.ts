/**
 * @module The hot path: a session, its user, and the user's roles and permissions in ONE query,
 * run as a prepared statement (prepared.ts) whose row comes back as an array of values. Profiling
 * showed Kysely rebuilding the query and better-sqlite3 re-preparing it on every request, plus a
 * second query for roles; then the row object itself (25 named keys built per request).
 */
import type { Authorization, SessionRecord, UserRecord } from '../../core/stores.ts';
import type { RawConnection } from './database.ts';
import { prepareStatement } from './prepared.ts';

/** Unit Separator: cannot appear in a role name, and not in a sane permission name. */
const SEPARATOR = '\u001f';

const COLUMNS = `s.id, s.token_hash, s.user_id, s.uniquifier, s.created_at, s.last_seen_at, s.expires_at, s.fresh_at,
  s.grace_until, s.remember, s.ip, s.user_agent, s.fingerprint,
  u.email, u.email_key, u.username, u.username_key, u.password_hash, u.active, u.uniquifier as user_uniquifier,
  u.created_at as user_created_at, u.updated_at, u.last_login_at, u.email_confirmed_at`;

const SQLITE = `select ${COLUMNS},
  (select group_concat(ur.role_name, char(31)) from user_roles ur where ur.user_id = u.id) as roles,
  (select group_concat(rp.permission, char(31)) from user_roles ur join role_permissions rp on rp.role_name = ur.role_name where ur.user_id = u.id) as permissions
,
  s.aal, s.amr, s.factor_at
from sessions s join users u on u.id = s.user_id where s.token_hash = ?`;

const POSTGRES = `select ${COLUMNS},
  (select string_agg(ur.role_name, chr(31)) from user_roles ur where ur.user_id = u.id) as roles,
  (select string_agg(rp.permission, chr(31)) from user_roles ur join role_permissions rp on rp.role_name = ur.role_name where ur.user_id = u.id) as permissions,
  s.aal, s.amr, s.factor_at
from sessions s join users u on u.id = s.user_id where s.token_hash = ?`;

export interface FoundSession {
  readonly session: SessionRecord;
  readonly user: UserRecord;
  readonly authorization: Authorization;
}

export type SessionLookup = (tokenHash: string) => Promise<FoundSession | undefined>;

/** Roles or permissions from an aggregated column: sorted, without duplicates. */
function splitNames(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? [...new Set(value.split(SEPARATOR))].sort() : [];
}

/**
 * The row as an array in COLUMNS' order (no object with 25 named keys per request: building it,
 * its keys interned anew each time, cost more than the query). Keep the indices in step with COLUMNS.
 */
function toFoundSession(v: readonly unknown[]): FoundSession {
  const session: SessionRecord = {
    id: v[0] as string,
    tokenHash: v[1] as string,
    userId: v[2] as string,
    uniquifier: v[3] as string,
    createdAtMs: Number(v[4]),
    lastSeenAtMs: Number(v[5]),
    expiresAtMs: Number(v[6]),
    freshAtMs: Number(v[7]),
    graceUntilMs: Number(v[8]),
    remember: Number(v[9]) === 1,
    ip: v[10] as string,
    userAgent: v[11] as string,
    fingerprint: v[12] as string,
    // The assurance columns (migration 0006) come last, after roles and permissions.
    aal: Number(v[26]) === 2 ? 2 : 1,
    amr: (v[27] as string | null) ?? 'pwd',
    factorAtMs: Number(v[28] ?? 0),
  };
  const user: UserRecord = {
    id: v[2] as string,
    email: v[13] as string,
    emailKey: v[14] as string,
    username: v[15] as string | null,
    usernameKey: v[16] as string | null,
    passwordHash: v[17] as string,
    active: Number(v[18]) === 1,
    uniquifier: v[19] as string,
    createdAtMs: Number(v[20]),
    updatedAtMs: Number(v[21]),
    lastLoginAtMs: v[22] === null ? null : Number(v[22]),
    emailConfirmedAtMs: v[23] === null || v[23] === undefined ? null : Number(v[23]),
  };
  return { session, user, authorization: { roles: splitNames(v[24]), permissions: splitNames(v[25]) } };
}

export function createSessionLookup(raw: RawConnection): SessionLookup {
  const statement = prepareStatement<never>(raw, 'find_session', raw.kind === 'sqlite' ? SQLITE : POSTGRES);
  return async (tokenHash) => {
    const values = await statement.firstValues([tokenHash]);
    return values ? toFoundSession(values) : undefined;
  };
}
