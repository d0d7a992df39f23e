/**
 * @module Test helpers for the CLI: run `node bin/portcullis.mjs …` as a real child process with
 * only the environment given (plus PATH), and open an `auth` on the same database to check what
 * the command did the way the server would see it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAuth, type Auth, type ClientInfo, type Principal } from '../../src/index.ts';
import { createSqlStores, type SqlStores } from '../../src/sql.ts';

const BIN = resolve(import.meta.dirname, '../../bin/portcullis.mjs');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh SQLite file for one test file, and the environment the CLI needs for it. */
export function tempDatabase(): { dir: string; url: string; env: Record<string, string>; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  const url = `sqlite:${join(dir, 'app.db')}`;
  // The outbox too: a password set from the CLI mails the user (never into the repository's data/).
  return { dir, url, env: { DATABASE_URL: url, NODE_ENV: 'test', MAIL_OUTBOX: join(dir, 'outbox.jsonl') }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const CLIENT: ClientInfo = { ip: '10.9.8.7', userAgent: 'cli-test', secure: false };

/** The admin a test's own setup acts as (actorId `test-admin` in the audit trail). */
export const TEST_ACTOR: Principal = {
  user: { id: 'test-admin', email: 'test-admin', emailKey: 'test-admin', username: null, usernameKey: null, passwordHash: '', active: true, uniquifier: '', createdAtMs: 0, updatedAtMs: 0, lastLoginAtMs: null, emailConfirmedAtMs: null },
  authorization: { roles: ['admin'], permissions: [] },
  via: 'session',
  session: null,
};

/** The library on the same database, as a server process would have it. */
export async function openAuth(url: string): Promise<{ auth: Auth; stores: SqlStores; close(): Promise<void> }> {
  const stores = await createSqlStores(url);
  const auth = createAuth({ stores, secretKey: 'cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz', environment: 'test', identity: { confirmation: 'off' } });
  return {
    auth,
    stores,
    close: async () => {
      await auth.close();
      await stores.close();
    },
  };
}

/** Nothing of an unexpected failure leaks: one line, no stack frames. */
export function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  if (lines.length !== 1 || !lines[0]?.startsWith('error: ') || /\n\s+at /.test(stderr)) throw new Error(`expected one error line, got: ${stderr}`);
}
