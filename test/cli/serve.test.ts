/** `portcullis serve`: the reference server from the environment; SIGTERM stops it cleanly (exit 0). */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDatabase } from './run-cli.ts';

const BIN = resolve(import.meta.dirname, '../../bin/portcullis.mjs');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('portcullis serve', { timeout: 120_000 }, () => {
  const db = tempDatabase();
  afterAll(() => db.remove());

  it('serves /healthz, then finishes and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
      env: { PATH: process.env.PATH ?? '', ...db.env, HOST: '127.0.0.1', MAIL_OUTBOX: join(db.dir, 'outbox.jsonl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    for (let i = 0; i < 150 && !output.includes('Portcullis listening'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain(`Portcullis listening on http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
  });

  it('refuses bad configuration in one line naming the variable, exit 1', async () => {
    const result = await runCli(['serve'], { env: { ...db.env, SESSION_PROTECTION: 'paranoid' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Invalid configuration: session.protection (SESSION_PROTECTION) must be off, basic or strong (got "paranoid")\n');
  });
});
