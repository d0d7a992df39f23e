/**
 * @module Statements on the hot paths (a login, a session check), prepared once and run with
 * positional parameters below Kysely: a better-sqlite3 statement kept for the life of the
 * connection, or a named PostgreSQL statement (parsed once per connection). Kysely builds and
 * compiles a query anew on every call; for the handful of fixed-shape statements every login
 * runs, that was most of their cost on the event loop.
 *
 * Write the SQL once with `?` placeholders; PostgreSQL gets `$1, $2, …` in their place. Only for
 * statements outside transactions: on PostgreSQL they run on a pool connection of their own.
 */
import type { RawConnection } from './database.ts';

export interface PreparedStatement<Row> {
  /** Every row. */
  all(params: readonly unknown[]): Promise<Row[]>;
  /** The first row, or undefined. */
  first(params: readonly unknown[]): Promise<Row | undefined>;
  /**
   * The first row as an array of its columns in the SELECT's order, or undefined: no object with
   * named keys is built (better-sqlite3's `.raw()`, pg's `rowMode: 'array'`). For the hot path.
   */
  firstValues(params: readonly unknown[]): Promise<unknown[] | undefined>;
  /** A statement that returns no rows (insert, update, delete). */
  run(params: readonly unknown[]): Promise<void>;
}

/** `?` → `$1`, `$2`, … (the statements given here contain no `?` inside literals). */
function numberedPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

export function prepareStatement<Row>(raw: RawConnection, name: string, text: string): PreparedStatement<Row> {
  if (raw.kind === 'sqlite') {
    let statement: ReturnType<typeof raw.file.prepare> | undefined;
    let valuesStatement: ReturnType<typeof raw.file.prepare> | undefined;
    const prepared = () => (statement ??= raw.file.prepare(text));
    const preparedValues = () => (valuesStatement ??= raw.file.prepare(text).raw(true));
    return {
      all: async (params) => prepared().all(...params) as Row[],
      first: async (params) => prepared().get(...params) as Row | undefined,
      firstValues: async (params) => preparedValues().get(...params) as unknown[] | undefined,
      run: async (params) => {
        prepared().run(...params);
      },
    };
  }
  const query = { name: `portcullis_${name}`, text: numberedPlaceholders(text) };
  const rows = async (params: readonly unknown[]) => (await raw.pool.query({ ...query, values: [...params] })).rows as Row[];
  return {
    all: rows,
    first: async (params) => (await rows(params))[0],
    firstValues: async (params) => (await raw.pool.query<unknown[]>({ ...query, values: [...params], rowMode: 'array' })).rows[0],
    run: async (params) => {
      await rows(params);
    },
  };
}
