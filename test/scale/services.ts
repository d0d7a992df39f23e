/**
 * @module Real processes for the scale-out tests: PRIVATE Redis and PostgreSQL instances that a test
 * may stop and restart (never the machine's shared ones), throw-away schemas and key prefixes on the
 * shared ones, the reference server spawned as `node --import tsx src/app/main.ts`, and a tiny HTTP
 * client (one new connection per request, no cookie magic) to drive it.
 *
 * Everything started here is registered for cleanup: `afterAll` calls `cleanup()`, and a process
 * `exit` hook kills what is left even when a test file dies half-way.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** Where the server is run from: this checkout, unless a scratch copy is named (for bisecting a fix). */
const SERVER_ROOT = process.env.PORTCULLIS_SCALE_SERVER_ROOT || REPO_ROOT;
export const SHARED_PG_URL = process.env.PORTCULLIS_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const SHARED_REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
export const PASSWORD = 'correct horse battery staple';
export const UNAVAILABLE_BODY = { error: 'Service temporarily unavailable', code: 'SERVICE_UNAVAILABLE' };

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
export { sleep };

// ---------------------------------------------------------------------------------------------
// Cleanup registry

type Cleanup = { readonly name: string; readonly run: () => Promise<void> | void; readonly onExit?: () => void };
const cleanups: Cleanup[] = [];

function track(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  return () => {
    const i = cleanups.indexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Stops and removes everything this module started, newest first; collects errors, throws the first. */
export async function cleanup(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    const next = cleanups.pop()!;
    try {
      await next.run();
    } catch (error) {
      errors.push(new Error(`cleanup of ${next.name} failed: ${String(error)}`));
    }
  }
  if (errors.length > 0) throw errors[0];
}

// Last resort when the worker exits without afterAll (crash, timeout): kill synchronously.
process.once('exit', () => {
  for (const c of [...cleanups].reverse()) {
    try {
      c.onExit?.();
    } catch {
      // nothing more to do
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Ports, temp dirs, keys

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-scale-${label}-`));
  track({ name: `temp dir ${dir}`, run: () => rmSync(dir, { recursive: true, force: true }), onExit: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

/** One Ed25519 PKCS#8 PEM, to be shared by every server process of a test (ACCESS_TOKEN_KEY_FILE). */
export function ed25519KeyFile(dir: string): string {
  const file = join(dir, 'access-token-key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', file], { stdio: 'ignore' });
  return file;
}

export function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}

export function uniqueName(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Private Redis (a child process of this test; restartable)

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** stop, wait, start. */
  restart(downMs: number): Promise<void>;
  /** A short-lived client (for inspecting keys); throws while stopped. */
  keys(pattern: string): Promise<string[]>;
}

async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`private Redis at ${url} did not answer within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  const start = async () => {
    if (child) throw new Error('private Redis is already running');
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const spawnError = new Promise<never>((_, fail) =>
      proc.once('error', (error) => fail(new Error(`cannot run redis-server (is it installed?): ${error.message}`))),
    );
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    await Promise.race([waitForRedis(url, 10_000), spawnError]).catch((error: unknown) => {
      proc.kill('SIGKILL');
      throw new Error(`${String(error)}\nredis-server output:\n${output}`);
    });
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    proc.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!killed) {
      proc.kill('SIGKILL');
      await exited;
    }
    child = null;
  };

  await start();
  track({ name: `private Redis :${port}`, run: stop, onExit: () => child?.kill('SIGKILL') });
  return {
    port,
    url,
    get running() {
      return child !== null;
    },
    start,
    stop,
    async restart(downMs) {
      await stop();
      await sleep(downMs);
      await start();
    },
    async keys(pattern) {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return await client.keys(pattern);
      } finally {
        client.disconnect();
      }
    },
  };
}

/** Deletes every key under a prefix on the shared Redis (never FLUSHALL: others use it). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A unique key prefix on the shared Redis, removed at cleanup. */
export function sharedRedisPrefix(label: string): string {
  const prefix = uniqueName(`pc_scale_${label}`);
  track({ name: `Redis prefix ${prefix}`, run: () => dropRedisPrefix(SHARED_REDIS_URL, prefix) });
  return prefix;
}

// ---------------------------------------------------------------------------------------------
// Private PostgreSQL (a cluster in a temp dir, run as the `postgres` OS user when we are root)

export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')) && existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (!version) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found under ${base}/<version>/bin — ` +
        `ls ${base} shows: ${existsSync(base) ? readdirSync(base).join(', ') || '(empty)' : '(no such directory)'}. ` +
        'Install the postgresql package (`npm run test:services` does, or says how); the fault tests need a private cluster they can restart.',
    );
  }
  return join(base, version, 'bin');
}

function postgresUid(): { uid: number; gid: number } {
  const passwd = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim().split(':');
  return { uid: Number(passwd[2]), gid: Number(passwd[3]) };
}

/** Runs a PostgreSQL tool, as the `postgres` OS user when we are root (initdb and pg_ctl refuse root). */
function asPostgres(binary: string, args: string[], timeoutMs = 60_000): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

export interface PrivatePostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  start(): Promise<void>;
  /** pg_ctl stop -m fast: every backend is terminated. */
  stop(): Promise<void>;
  restart(downMs: number): Promise<void>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string): Promise<T[]>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-scale-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUid();
    chownSync(dir, uid, gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  const stopSync = (mode: 'fast' | 'immediate') => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) asPostgres(pgCtl, ['-D', dataDir, '-w', '-t', '30', 'stop', '-m', mode]);
  };
  let initialised = false;
  const removeAll = () => {
    try {
      if (initialised) stopSync('immediate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  track({ name: `private PostgreSQL :${port}`, run: removeAll, onExit: removeAll });

  asPostgres(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], 120_000);
  initialised = true;
  const start = async () => {
    asPostgres(pgCtl, ['-D', dataDir, '-o', options, '-l', logFile, '-w', '-t', '30', 'start']);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    start,
    async stop() {
      stopSync('fast');
    },
    async restart(downMs) {
      stopSync('fast');
      await sleep(downMs);
      await start();
    },
    async query(text) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        return (await client.query(text)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh schema on the shared PostgreSQL, dropped at cleanup; returns a DATABASE_URL using it. */
export async function sharedPostgresSchema(label: string): Promise<string> {
  const schema = uniqueName(`pc_scale_${label}`);
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: SHARED_PG_URL, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`the shared PostgreSQL is not reachable at ${SHARED_PG_URL} (start it: "npm run test:services", or set PORTCULLIS_TEST_PG_URL): ${String(error)}`);
    }
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema "${schema}"`);
  track({ name: `schema ${schema}`, run: () => admin(`drop schema if exists "${schema}" cascade`) });
  const separator = SHARED_PG_URL.includes('?') ? '&' : '?';
  return `${SHARED_PG_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

// ---------------------------------------------------------------------------------------------
// The reference server as a child process

export interface ServerProcess {
  readonly port: number;
  readonly base: string;
  readonly child: ChildProcess;
  /** stdout + stderr lines so far. */
  readonly lines: string[];
  /** Parsed JSON log lines (pino) so far. */
  logs(): Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** SIGTERM, then wait for the exit (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /** Wait for /healthz 200 (default true). */
  readonly waitHealthy?: boolean;
  readonly timeoutMs?: number;
}

/** The environment every test server gets, on top of which a test adds its own. */
export function baseEnv(dir: string, port: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    MAIL_OUTBOX: join(dir, `outbox-${port}.jsonl`),
    // The scale tests register and sign in at once.
    EMAIL_CONFIRMATION: 'off',
  };
}

export function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = Number(env.PORT);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    cwd: SERVER_ROOT,
    // Only what we pass: never the test runner's own PORTCULLIS_* or NODE_OPTIONS.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
    });
    stream?.on('end', () => {
      if (partial) lines.push(partial);
      partial = '';
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      // Let the pipes drain so the last lines are in `lines`.
      setTimeout(() => done((exitInfo = { code, signal })), 50);
    }),
  );
  const stop = async (timeoutMs = 15_000) => {
    if (exitInfo) return exitInfo;
    child.kill('SIGTERM');
    const result = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
    if (result) return result;
    child.kill('SIGKILL');
    return exited;
  };
  const unregister = track({ name: `server :${port}`, run: () => stop().then(() => undefined), onExit: () => child.kill('SIGKILL') });
  void exited.then(unregister);
  const server: ServerProcess = {
    port,
    base,
    child,
    lines,
    logs: () =>
      lines.flatMap((l) => {
        try {
          const parsed = JSON.parse(l) as unknown;
          return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
    get alive() {
      return exitInfo === null && child.exitCode === null && child.signalCode === null;
    },
    stop,
  };
  if (options.waitHealthy === false) return Promise.resolve(server);
  return waitHealthy(server, options.timeoutMs ?? 30_000).then(() => server);
}

async function waitHealthy(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.alive) {
      const info = await server.exited;
      throw new Error(`server on :${server.port} exited before it was healthy (code ${info.code}, signal ${info.signal}):\n${server.lines.join('\n')}`);
    }
    try {
      const res = await send(server.base, 'GET', '/healthz', { timeoutMs: 2_000 });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`server on :${server.port} not healthy within ${timeoutMs} ms:\n${server.lines.join('\n')}`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body as JSON, or undefined if it is not JSON. */
  readonly json: unknown;
  /** name → value of every Set-Cookie. */
  readonly setCookies: Record<string, string>;
}

export interface SendOptions {
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
  readonly timeoutMs?: number;
}

/** One request on a new connection (no keep-alive pool: restarts and shutdown see real connects). */
export function send(base: string, method: string, path: string, options: SendOptions = {}): Promise<HttpResult> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((done, fail) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false, timeout: options.timeoutMs ?? 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', fail);
      res.on('end', () => {
        let json: unknown;
        try {
          json = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          json = undefined;
        }
        const setCookies: Record<string, string> = {};
        for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          if (eq > 0) setCookies[pair!.slice(0, eq).trim()] = pair!.slice(eq + 1).trim();
        }
        done({ status: res.statusCode ?? 0, headers: res.headers, text, json, setCookies });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', fail);
    req.end(body);
  });
}

/** A session as a browser-less JSON client holds it: the cookie and the CSRF token. */
export interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly userId: string;
  readonly email: string;
}

export const SESSION_COOKIE = 'portcullis_session';

export function sessionFrom(res: HttpResult, what: string): Session {
  const body = res.json as { user?: { id: string; email: string }; csrf_token?: string } | undefined;
  const cookie = res.setCookies[SESSION_COOKIE];
  if (!cookie || !body?.user) throw new Error(`${what}: expected a session, got ${res.status} ${res.text.slice(0, 300)}`);
  return { cookie: `${SESSION_COOKIE}=${cookie}`, csrf: body.csrf_token ?? '', userId: body.user.id, email: body.user.email };
}

/** Registers (201, logged in) and returns the session; `ip` goes in X-Forwarded-For when given. */
export async function register(base: string, email: string, password = PASSWORD, ip?: string): Promise<Session> {
  const res = await send(base, 'POST', '/auth/register', { json: { email, password }, headers: ip ? { 'x-forwarded-for': ip } : {} });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${res.text.slice(0, 300)}`);
  const session = sessionFrom(res, `register ${email}`);
  if (session.csrf) return session;
  // Registration may not return the token: ask for it with the new session.
  const csrf = await send(base, 'GET', '/auth/csrf', { headers: { cookie: session.cookie, ...(ip ? { 'x-forwarded-for': ip } : {}) } });
  return { ...session, csrf: (csrf.json as { csrf_token: string }).csrf_token };
}

export function login(base: string, email: string, password = PASSWORD, ip?: string): Promise<HttpResult> {
  return send(base, 'POST', '/auth/login', { json: { email, password }, headers: ip ? { 'x-forwarded-for': ip } : {} });
}

export function authed(session: Session, extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: session.cookie, 'x-csrf-token': session.csrf, ...extra };
}

export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

let ipCounter = 0;
/** A fresh client address per call (10.200.x.y, then onwards), for X-Forwarded-For. */
export function nextIp(): string {
  ipCounter += 1;
  const n = ipCounter + (process.pid % 200) * 62_500;
  return `10.${1 + Math.floor(n / 62_500) % 250}.${Math.floor(n / 250) % 250}.${1 + (n % 250)}`;
}

export function uniqueEmail(label: string): string {
  return `${label}.${randomBytes(5).toString('hex')}@example.com`;
}
