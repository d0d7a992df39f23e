/**
 * @module The documents API (`/api/docs`): the seed's ownership pattern. Anyone authenticated —
 * session (with CSRF), Bearer or Basic — creates and reads; only the owner or an admin may change
 * or delete, through the same uniform FORBIDDEN path as every other authorisation error.
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import { AuthError, type Principal } from '../index.ts';
import type { AuthEnv, HonoAuth } from '../adapters/hono/index.ts';

interface DocsTable {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  created_at: number;
  updated_at: number;
}

type DocsDb = { docs: DocsTable };

const OWNERSHIP_MESSAGE = 'You can only update docs you own';

/** Creates the reference app's own table (not part of the library's migrations). */
export async function ensureDocsTable(db: Kysely<DocsDb>): Promise<void> {
  await db.schema
    .createTable('docs')
    .ifNotExists()
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('owner_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index if not exists docs_owner_idx on docs (owner_id)`.execute(db);
}

function toJson(row: DocsTable) {
  return {
    id: row.id,
    owner_id: row.owner_id,
    title: row.title,
    body: row.body,
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  };
}

function readDoc(body: Record<string, unknown>, partial: boolean): { title?: string; body?: string } {
  const fields: Record<string, string> = {};
  const out: { title?: string; body?: string } = {};
  for (const [name, max] of [['title', 200], ['body', 20_000]] as const) {
    const value = body[name];
    if (value === undefined && partial) continue;
    if (typeof value !== 'string' || value.trim() === '') fields[name] = `${name} is required and must be a string`;
    else if (!value.isWellFormed() || value.includes('\u0000')) fields[name] = `${name} contains invalid characters`;
    else if ([...value].length > max) fields[name] = `${name} must be at most ${max} characters`;
    else out[name] = value;
  }
  if (partial && out.title === undefined && out.body === undefined && Object.keys(fields).length === 0) fields.title = 'Send title or body';
  if (Object.keys(fields).length > 0) throw new AuthError('INVALID_INPUT', { fields });
  return out;
}

export function docsRoutes<Schema>(database: Kysely<Schema>, pc: HonoAuth): Hono<AuthEnv> {
  // Our one table beside the library's; viewing the connection through its schema alone is exact.
  const db = database.withTables<DocsDb>() as unknown as Kysely<DocsDb>;
  const docs = new Hono<AuthEnv>();
  let tableReady: Promise<void> | undefined;
  docs.use('*', pc.required({ via: ['token', 'session', 'basic'] }), async (_c, next) => {
    await (tableReady ??= ensureDocsTable(db).catch((error: unknown) => {
      tableReady = undefined;
      throw error;
    }));
    await next();
  });
  const principal = (c: { get(key: 'principal'): Principal | null }) => c.get('principal') as Principal;

  const find = async (id: string) => {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new AuthError('NOT_FOUND');
    const row = await db.selectFrom('docs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AuthError('NOT_FOUND');
    return row;
  };

  docs.get('/', async (c) => {
    const rows = await db.selectFrom('docs').selectAll().orderBy('created_at', 'desc').limit(100).execute();
    return c.json({ docs: rows.map(toJson) });
  });

  docs.post('/', async (c) => {
    const input = readDoc(await pc.body(c), false);
    const now = Date.now();
    const row: DocsTable = { id: randomBytes(16).toString('hex'), owner_id: principal(c).user.id, title: input.title ?? '', body: input.body ?? '', created_at: now, updated_at: now };
    await db.insertInto('docs').values(row).execute();
    return c.json({ doc: toJson(row) }, 201);
  });

  docs.get('/:id', async (c) => c.json({ doc: toJson(await find(c.req.param('id'))) }));

  docs.patch('/:id', async (c) => {
    const row = await find(c.req.param('id'));
    pc.assertOwnerOrAdmin(c, row.owner_id, OWNERSHIP_MESSAGE);
    const input = readDoc(await pc.body(c), true);
    const updated = { ...row, ...input, updated_at: Date.now() };
    await db.updateTable('docs').set({ title: updated.title, body: updated.body, updated_at: updated.updated_at }).where('id', '=', row.id).execute();
    return c.json({ doc: toJson(updated) });
  });

  docs.delete('/:id', async (c) => {
    const row = await find(c.req.param('id'));
    pc.assertOwnerOrAdmin(c, row.owner_id, OWNERSHIP_MESSAGE);
    await db.deleteFrom('docs').where('id', '=', row.id).execute();
    return c.body(null, 204);
  });

  return docs;
}
