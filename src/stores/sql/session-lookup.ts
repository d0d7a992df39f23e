/**
 * @module The hot path: a session, its user, and the user's roles and permissions in ONE query,
 * run as a prepared statement (prepared.ts). Profiling showed Kysely rebuilding the query and
 * better-sqlite3 re-preparing it on every request, plus a second query for roles.
 */
import type { Authorization } from '../../core/stores.ts';
import type { RawConnection } from './database.ts';
import { prepareStatement } from './prepared.ts';
import type { SessionsTable } from './schema.ts';

/** Unit Separator: cannot appear in a role name, and not in a sane permission name. */
const SEPARATOR = '\u001f';

const COLUMNS = `s.id, s.token_hash, s.user_id, s.uniquifier, s.created_at, s.last_seen_at, s.expires_at, s.fresh_at,
  s.grace_until, s.remember, s.ip, s.user_agent, s.fingerprint,
  u.email, u.email_key, u.username, u.username_key, u.password_hash, u.active, u.uniquifier as user_uniquifier,
  u.created_at as user_created_at, u.updated_at, u.last_login_at, u.email_confirmed_at`;

const SQLITE = `select ${COLUMNS},
  (select group_concat(ur.role_name, char(31)) from user_roles ur where ur.user_id = u.id) as roles,
  (select group_concat(rp.permission, char(31)) from user_roles ur join role_permissions rp on rp.role_name = ur.role_name where ur.user_id = u.id) as permissions
from sessions s join users u on u.id = s.user_id where s.token_hash = ?`;

const POSTGRES = `select ${COLUMNS},
  (select string_agg(ur.role_name, chr(31)) from user_roles ur where ur.user_id = u.id) as roles,
  (select string_agg(rp.permission, chr(31)) from user_roles ur join role_permissions rp on rp.role_name = ur.role_name where ur.user_id = u.id) as permissions
from sessions s join users u on u.id = s.user_id where s.token_hash = ?`;

/** A session row joined with its user's columns and the aggregated roles and permissions. */
export type SessionRow = SessionsTable & {
  email: string;
  email_key: string;
  username: string | null;
  username_key: string | null;
  password_hash: string;
  active: number;
  user_uniquifier: string;
  user_created_at: number;
  updated_at: number;
  last_login_at: number | null;
  email_confirmed_at: number | null;
  roles: string | null;
  permissions: string | null;
};

export type SessionLookup = (tokenHash: string) => Promise<SessionRow | undefined>;

export function createSessionLookup(raw: RawConnection): SessionLookup {
  const statement = prepareStatement<SessionRow>(raw, 'find_session', raw.kind === 'sqlite' ? SQLITE : POSTGRES);
  return (tokenHash) => statement.first([tokenHash]);
}

/** Roles and permissions from the aggregated columns: sorted, without duplicates. */
export function authorizationFromRow(row: SessionRow): Authorization {
  const split = (value: string | null) => (value ? [...new Set(value.split(SEPARATOR))].sort() : []);
  return { roles: split(row.roles), permissions: split(row.permissions) };
}
