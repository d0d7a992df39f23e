/**
 * The reference server as `npm start` runs it: real sockets, real TLS with a throwaway self-signed
 * certificate, the plain port redirecting to HTTPS, and configuration errors refused at start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app/start.ts';

const quiet = pino({ level: 'silent' });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function httpsGet(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('native TLS with a plain port that redirects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'));
  let server: RunningServer;
  let httpsPort: number;
  let plainPort: number;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    httpsPort = await freePort();
    plainPort = await freePort();
    server = await startServer(
      {
        PORT: String(httpsPort),
        HTTP_REDIRECT_PORT: String(plainPort),
        TLS_CERT: join(dir, 'cert.pem'),
        TLS_KEY: join(dir, 'key.pem'),
        PUBLIC_URL: `https://localhost:${httpsPort}`,
        DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      },
      quiet,
    );
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with HSTS and secure __Host- cookies', async () => {
    expect(server.url).toBe(`https://127.0.0.1:${httpsPort}`);
    const res = await httpsGet(`https://127.0.0.1:${httpsPort}/login`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.some((c) => c.startsWith('__Host-portcullis_pre=') && /; Secure/.test(c))).toBe(true);
  });

  it('redirects the plain port to PUBLIC_URL over HTTPS (301 GET, 308 POST), whatever Host says', async () => {
    const get = await fetch(`http://127.0.0.1:${plainPort}/dashboard?x=1`, { redirect: 'manual', headers: { host: 'evil.example' } });
    expect(get.status).toBe(301);
    expect(get.headers.get('location')).toBe(`https://localhost:${httpsPort}/dashboard?x=1`);
    expect(get.headers.get('strict-transport-security')).toBeNull();
    expect(get.headers.get('x-frame-options')).toBe('DENY');
    const post = await fetch(`http://127.0.0.1:${plainPort}/auth/login`, { method: 'POST', redirect: 'manual', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(308);
    expect(post.headers.get('location')).toBe(`https://localhost:${httpsPort}/auth/login`);
  });

  it('keeps /healthz reachable over plain HTTP for probes', async () => {
    const res = await fetch(`http://127.0.0.1:${plainPort}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('configuration is refused at start with one line naming the variable', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ SESSION_IDLE_TIMEOUT: '2 hours' }, 'SESSION_IDLE_TIMEOUT'],
    [{ AUTH_RATE_LIMIT_LOGIN: 'five' }, 'AUTH_RATE_LIMIT_LOGIN'],
    [{ TLS_CERT: '/nonexistent.pem' }, 'TLS_KEY'],
    [{ NODE_ENV: 'production', SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(10) + 'Aa1!'.repeat(12) }, 'SECRET_KEY'],
    [{ NODE_ENV: 'production', SECRET_KEY: 'k2Vq9rTz7LmW4pXe8sNj3bHc6yGd1fUa0oQiRt5wZv' }, 'PUBLIC_URL'],
  ])('%j → names %s', async (env, variable) => {
    const error = await startServer({ DATABASE_URL: 'sqlite::memory:', ...env }, quiet).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(variable);
    expect(message).not.toContain('\n');
  });
});

describe('start-up warnings for settings that hand out secrets or roles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-start-warn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts and stops the server with `env`, returning the warn-level log lines. */
  async function startupWarnings(env: Record<string, string>, name: string): Promise<Array<{ msg: string; path?: string }>> {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const server = await startServer({ PORT: String(await freePort()), DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, MAIL_OUTBOX: join(dir, `${name}.jsonl`), ...env }, log);
    await server.close();
    return lines.map((line) => JSON.parse(line) as { msg: string; path?: string });
  }

  it('the development outbox (/dev/mail) is announced at start; with SMTP_URL it is not', async () => {
    const dev = await startupWarnings({}, 'dev');
    expect(dev.filter((line) => line.path === '/dev/mail')).toHaveLength(1);
    expect(dev.find((line) => line.path === '/dev/mail')?.msg).toMatch(/loopback/);
    const smtp = await startupWarnings({ SMTP_URL: 'smtp://127.0.0.1:1' }, 'smtp');
    expect(smtp.filter((line) => line.path === '/dev/mail')).toEqual([]);
  });

  it('BOOTSTRAP_ADMIN_EMAIL is announced at start, without the address', async () => {
    const lines = await startupWarnings({ SMTP_URL: 'smtp://127.0.0.1:1', BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' }, 'bootstrap');
    expect(lines.filter((line) => line.msg.startsWith('BOOTSTRAP_ADMIN_EMAIL is set'))).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('root@example.com');
    expect(await startupWarnings({ SMTP_URL: 'smtp://127.0.0.1:1' }, 'none')).toEqual([]);
  });
});
