/** @module SQL stores (SQLite file or PostgreSQL via Kysely), opened and migrated together. */
import { StoreUnavailableError } from '../../core/errors.ts';
import type { Kysely } from 'kysely';
import type { Stores } from '../../core/stores.ts';
import type { Database } from './schema.ts';
import { isConnectionError, migrateToLatest, openDatabase, pingDatabase, type OpenDatabaseOptions, type SqlDialect } from './database.ts';
import { createSqlAuditStore } from './audit-store.ts';
import { createSqlIdentityStore } from './identity-store.ts';
import { createSqlMfaStore } from './mfa-store.ts';
import { createSqlTrustedDeviceStore } from './trusted-device-store.ts';
import { createSqlRoleStore } from './role-store.ts';
import { createSqlSessionStore } from './session-store.ts';
import { createSqlOneTimeTokenStore } from './one-time-token-store.ts';
import { createSqlTokenStore } from './token-store.ts';
import { createSqlUserStore } from './user-store.ts';

export { migrateToLatest, openDatabase, isConnectionError, type SqlDialect } from './database.ts';

export interface SqlStores extends Stores {
  readonly dialect: SqlDialect;
  /**
   * The Kysely instance, for an app's own tables next to ours (the reference app keeps its
   * documents here): `stores.db.withTables<{ docs: DocsTable }>()`.
   */
  readonly db: Kysely<Database>;
}

/** Opens DATABASE_URL, applies pending migrations (unless told not to), and returns the stores. */
export async function createSqlStores(url: string, options: OpenDatabaseOptions & { migrate?: boolean } = {}): Promise<SqlStores> {
  const { db, dialect, raw } = openDatabase(url, options);
  try {
    if (options.migrate !== false) await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect,
    db,
    users: reportingUnavailability(createSqlUserStore(db, raw)),
    roles: reportingUnavailability(createSqlRoleStore(db, raw)),
    sessions: reportingUnavailability(createSqlSessionStore(db, raw)),
    audit: reportingUnavailability(createSqlAuditStore(db)),
    tokens: reportingUnavailability(createSqlTokenStore(db)),
    identities: reportingUnavailability(createSqlIdentityStore(db, raw)),
    mfa: reportingUnavailability(createSqlMfaStore(db)),
    devices: reportingUnavailability(createSqlTrustedDeviceStore(db)),
    oneTimeTokens: reportingUnavailability(createSqlOneTimeTokenStore(db)),
    ping: () => pingDatabase(db),
    close: () => db.destroy(),
  };
}

/** Wraps every method so that a lost database surfaces as StoreUnavailableError (→ 503), not a 500. */
function reportingUnavailability<T extends object>(store: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw isConnectionError(error) ? new StoreUnavailableError(error) : error;
      }
    };
  }
  return wrapped as T;
}
