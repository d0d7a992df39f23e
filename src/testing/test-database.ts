/**
 * @module A fresh, migrated database for one test file: a temporary SQLite file, or a throw-away
 * PostgreSQL schema, chosen by PORTCULLIS_TEST_DB (`sqlite`, the default, or `postgres`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createSqlStores, type SqlStores } from '../stores/sql/index.ts';

export interface TestStores {
  readonly stores: SqlStores;
  /** The DATABASE_URL the stores were opened with: open it again to share the same data. */
  readonly url: string;
  dispose(): Promise<void>;
}

export type TestDatabaseKind = 'sqlite' | 'postgres';

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.PORTCULLIS_TEST_DB ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`PORTCULLIS_TEST_DB must be sqlite or postgres (got ${JSON.stringify(kind)})`);
  }
  return kind;
}

/** Opens fresh, migrated stores on the database PORTCULLIS_TEST_DB names; dispose() removes every trace. */
export async function openTestStores(): Promise<TestStores> {
  return testDatabaseKind() === 'postgres' ? openPostgres() : openSqlite();
}

async function openSqlite(): Promise<TestStores> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const url = `sqlite:${join(dir, 'test.db')}`;
  let stores: SqlStores;
  try {
    stores = await createSqlStores(url);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    stores,
    url,
    async dispose() {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on a short-lived client; a refused connection becomes a clear error. */
async function onAdminClient<T>(baseUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PORTCULLIS_TEST_DB=postgres but PostgreSQL is not reachable at ${redact(baseUrl)} (${reason}). ` +
        'Run `npm run test:services` (scripts/test-services.sh starts it, or says what is missing) or set PORTCULLIS_TEST_PG_URL.',
      { cause: error },
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function openPostgres(): Promise<TestStores> {
  const baseUrl = process.env.PORTCULLIS_TEST_PG_URL || DEFAULT_PG_URL;
  const schema = `pc_test_${randomBytes(8).toString('hex')}`;
  await onAdminClient(baseUrl, (client) => client.query(`create schema "${schema}"`));
  const dropSchema = () => onAdminClient(baseUrl, (client) => client.query(`drop schema if exists "${schema}" cascade`));
  const url = withSearchPath(baseUrl, schema);
  let stores: SqlStores;
  try {
    stores = await createSqlStores(url, { poolSize: 5 });
  } catch (error) {
    await dropSchema();
    throw error;
  }
  return {
    stores,
    url,
    async dispose() {
      await stores.close();
      await dropSchema();
    },
  };
}

/** Every connection of the pool starts with `SET search_path = <schema>` via libpq's `options`. */
function withSearchPath(baseUrl: string, schema: string): string {
  const separator = baseUrl.includes('?') ? '&' : '?';
  return `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
