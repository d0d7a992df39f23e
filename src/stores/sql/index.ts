/** @module SQL stores (SQLite file or PostgreSQL via Kysely), opened and migrated together. */
import type { Stores } from '../../core/stores.ts';
import { migrateToLatest, openDatabase, pingDatabase, type OpenDatabaseOptions, type SqlDialect } from './database.ts';
import { createSqlRoleStore } from './role-store.ts';
import { createSqlSessionStore } from './session-store.ts';
import { createSqlUserStore } from './user-store.ts';

export { migrateToLatest, openDatabase, isConnectionError, type SqlDialect } from './database.ts';

export interface SqlStores extends Stores {
  readonly dialect: SqlDialect;
}

/** Opens DATABASE_URL, applies pending migrations (unless told not to), and returns the stores. */
export async function createSqlStores(url: string, options: OpenDatabaseOptions & { migrate?: boolean } = {}): Promise<SqlStores> {
  const { db, dialect } = openDatabase(url, options);
  try {
    if (options.migrate !== false) await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect,
    users: createSqlUserStore(db),
    roles: createSqlRoleStore(db),
    sessions: createSqlSessionStore(db),
    ping: () => pingDatabase(db),
    close: () => db.destroy(),
  };
}
