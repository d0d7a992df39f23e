/**
 * @module `portcullis/sql`: the SQL stores — users, roles, sessions, tokens, audit — on Kysely, for a
 * SQLite file (`better-sqlite3`) or PostgreSQL (`pg`), and their migrations. The driver is an
 * optional peer dependency, loaded when a URL names its database: install the one you use.
 */
export { createSqlStores, migrateToLatest, openDatabase, isConnectionError, type SqlStores, type SqlDialect } from './stores/sql/index.ts';
export type { OpenDatabaseOptions, SqlDatabase } from './stores/sql/database.ts';
