/**
 * What each entry point loads, from the TypeScript sources (fast; test/pack/pack.test.ts checks the
 * same on the installed package): `portcullis` and `portcullis/hono` load no database, Redis or SMTP
 * driver and not Kysely; `portcullis/sql` loads Kysely but a driver only when a URL names its
 * database; `portcullis/mail` loads nodemailer only when an SMTP mailer is made.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DRIVERS = ['better-sqlite3', 'pg', 'ioredis', 'nodemailer'];
const work = mkdtempSync(join(tmpdir(), 'portcullis-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The npm packages loaded while importing `modules` (files under src/, or scripts written to `work`). */
function loadedPackages(...modules: string[]): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/pack/loaded-packages.mjs'), ...modules], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { packages: string[] }).packages;
}

const src = (path: string) => join(ROOT, 'src', path);

describe('entry points load only what they need', () => {
  it('portcullis and portcullis/hono load no driver and no Kysely', () => {
    const loaded = loadedPackages(src('index.ts'), src('adapters/hono/index.ts'));
    expect(loaded).toContain('jose'); // the probe sees packages at all
    expect(loaded.filter((name) => [...DRIVERS, 'kysely'].includes(name))).toEqual([]);
  });

  it('portcullis/sql loads Kysely, and better-sqlite3 only when a sqlite: URL is opened (never pg)', () => {
    expect(loadedPackages(src('sql.ts')).filter((name) => [...DRIVERS, 'kysely'].includes(name))).toEqual(['kysely']);
    const open = join(work, 'open-sqlite.mjs');
    writeFileSync(open, `const { createSqlStores } = await import(${JSON.stringify(src('sql.ts'))});\nawait (await createSqlStores('sqlite::memory:')).close();\n`);
    expect(loadedPackages(open).filter((name) => DRIVERS.includes(name))).toEqual(['better-sqlite3']);
  });

  it('portcullis/redis loads ioredis; portcullis/mail loads nodemailer only for an SMTP mailer', () => {
    expect(loadedPackages(src('redis.ts'))).toContain('ioredis');
    expect(loadedPackages(src('mail.ts')).filter((name) => DRIVERS.includes(name))).toEqual([]);
    const smtp = join(work, 'smtp.mjs');
    writeFileSync(smtp, `const { createSmtpMailer } = await import(${JSON.stringify(src('mail.ts'))});\ncreateSmtpMailer('smtp://127.0.0.1:2525', 'a@example.com').close();\n`);
    expect(loadedPackages(smtp).filter((name) => DRIVERS.includes(name))).toEqual(['nodemailer']);
  });
});
