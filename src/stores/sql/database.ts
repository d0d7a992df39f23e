/** @module Opening the database named by DATABASE_URL (SQLite file or PostgreSQL) and migrating it. */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations/index.ts';

export type SqlDialect = 'sqlite' | 'postgres';

/** The driver under Kysely, for the one hot-path query that runs as a prepared statement. */
export type RawConnection = { readonly kind: 'sqlite'; readonly file: SQLite.Database } | { readonly kind: 'postgres'; readonly pool: pg.Pool };

export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  readonly raw: RawConnection;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size per process. */
  readonly poolSize?: number;
}

/**
 * The drivers are optional peer dependencies of the published package: each is loaded when a URL
 * names its database, never at import, so a PostgreSQL deployment needs no better-sqlite3 (and the
 * reverse), and `import 'portcullis/sql'` itself loads no driver. Both are CommonJS packages, so a
 * synchronous require keeps openDatabase synchronous.
 */
const requireDriver = createRequire(import.meta.url);
const DRIVER_RANGES = { 'better-sqlite3': '^12', pg: '^8' } as const;

function loadDriver<T>(name: keyof typeof DRIVER_RANGES, database: string): T {
  try {
    return requireDriver(name) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' && error instanceof Error && error.message.includes(`'${name}'`)) {
      throw new Error(`DATABASE_URL names ${database}, but its driver is not installed: npm install ${name}@${DRIVER_RANGES[name]}`);
    }
    throw error;
  }
}

/** int8 → number: our bigints are millisecond timestamps, far below 2^53. */
function pgTypesOf(driver: typeof pg) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : driver.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
}

function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length);
  if (path === '' ) throw new Error('DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/portcullis.db');
  return path;
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): SqlDatabase {
  if (url.startsWith('sqlite:')) {
    const path = sqlitePath(url);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const Driver = loadDriver<typeof SQLite>('better-sqlite3', 'SQLite');
    const file = new Driver(path);
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(file) }) }), dialect: 'sqlite', raw: { kind: 'sqlite', file } };
  }
  const driver = loadDriver<typeof pg>('pg', 'PostgreSQL');
  const pool = new driver.Pool({ connectionString: url, max: options.poolSize ?? 10, types: pgTypesOf(driver) });
  // A client that loses its server emits 'error': an idle one on the pool, a busy one on itself.
  // Without listeners the process would crash; the failed query itself rejects (→ 503) and the
  // pool replaces the client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', raw: { kind: 'postgres', pool } };
}

/** How many distinct SQL texts keep their prepared statement (a few dozen are in use; lists of ids vary). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 under Kysely, except that each SQL text is prepared once and its statement reused
 * (least recently used ones are dropped past STATEMENT_CACHE_SIZE): Kysely asks for a fresh statement
 * per query, and compiling it again was a tenth of a login's time on the event loop. Reuse is safe
 * because Kysely runs one query at a time on the one connection, and SQLite re-prepares a statement
 * itself when a migration changes the schema under it.
 */
function reusingStatements(file: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => file.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement) {
        statements.delete(text);
      } else {
        statement = file.prepare(text);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<readonly string[]> {
  // On PostgreSQL, name the schema: Kysely's "does the table exist" check would otherwise see
  // another schema's migration tables in the same database and skip creating ours.
  const migrationTableSchema = await currentSchema(db);
  const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(failed ? `migration ${failed} failed: ${detail}` : `cannot open the database: ${detail}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** PostgreSQL's current schema (from search_path); undefined on SQLite. */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  try {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    return rows[0]?.schema ?? undefined;
  } catch {
    return undefined;
  }
}

export async function pingDatabase(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', 'SQLITE_BUSY']);

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return true;
  return (
    error instanceof Error &&
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|not queryable|terminating connection|the database system is (starting up|shutting down)/i.test(error.message)
  );
}

/** Which unique key a failed insert hit, or undefined if it was not a unique violation. */
export function uniqueViolationColumn(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown } | null;
  if (!e) return undefined;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /UNIQUE constraint failed: \w+\.(\w+)/.exec(String(e.message))?.[1] ?? 'unknown';
  }
  if (e.code === '23505') return /\((\w+)\)=/.exec(String(e.detail))?.[1] ?? String(e.constraint ?? 'unknown');
  return undefined;
}
