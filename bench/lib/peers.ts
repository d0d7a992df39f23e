/**
 * @module The peers of the `auth-get` scenario: how each is started, and how its measured
 * request is prepared (sign up / log in once, then the session cookie rides every request).
 */
import { BENCH_USER } from '../servers/bench-user.ts';
import type { RunContext } from './context.ts';
import { cookieFrom, expectAnswer, request, USER_AGENT } from './http.ts';
import type { LoadTarget } from './load.ts';
import type { ServerSpec } from './process.ts';

export interface Peer {
  readonly key: string;
  readonly label: string;
  /** Packages whose versions this peer's numbers depend on. */
  readonly packages: readonly string[];
  spec(ctx: RunContext): Promise<ServerSpec>;
  /** Runs the one-off setup against a started server and returns the request to measure. */
  prepare(url: string): Promise<LoadTarget>;
}

const BASE_HEADERS = { 'user-agent': USER_AGENT, accept: 'application/json' } as const;

const plain = (key: string, label: string, script: string, packages: readonly string[]): Peer => ({
  key,
  label,
  packages,
  spec: async () => ({ name: key, script, readyPath: '/' }),
  prepare: async (url) => ({ url: `${url}/`, headers: BASE_HEADERS, expectStatus: 200 }),
});

export const nodeHttpPeer = plain('node-http', 'bare node:http', 'bench/servers/node-http.ts', []);
const honoPeer = plain('hono', 'bare Hono', 'bench/servers/hono.ts', ['hono', '@hono/node-server']);
const expressPeer = plain('express', 'bare Express 5', 'bench/servers/express.ts', ['express']);

const expressPassportPeer: Peer = {
  key: 'express-passport',
  label: 'Express + helmet + express-session + passport-local',
  packages: ['express', 'helmet', 'express-session', 'passport', 'passport-local', 'express-rate-limit'],
  spec: async () => ({ name: 'express-passport', script: 'bench/servers/express-passport.ts', readyPath: '/healthz' }),
  async prepare(url) {
    const login = await request(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: BENCH_USER.email, password: BENCH_USER.password }).toString(),
    });
    const cookie = cookieFrom(login, 'connect.sid');
    await expectAnswer(login, 200, 'express-passport login');
    const headers = { ...BASE_HEADERS, cookie };
    await expectAnswer(await request(`${url}/me`, { headers }), 200, 'express-passport GET /me', BENCH_USER.email);
    return { url: `${url}/me`, headers, expectStatus: 200 };
  },
};

const betterAuthPeer: Peer = {
  key: 'better-auth',
  label: 'Better Auth get-session (SQLite, Hono)',
  packages: ['better-auth', 'better-sqlite3', 'hono'],
  spec: async (ctx) => ({
    name: 'better-auth',
    script: 'bench/servers/better-auth.ts',
    readyPath: '/healthz',
    env: { BENCH_SQLITE_PATH: ctx.freshPath('better-auth', 'db'), BETTER_AUTH_SECRET: ctx.secret },
  }),
  async prepare(url) {
    const signUp = await request(`${url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ name: BENCH_USER.name, email: BENCH_USER.email, password: BENCH_USER.password }),
    });
    const cookie = cookieFrom(signUp, 'better-auth.session_token');
    await expectAnswer(signUp, 200, 'better-auth sign-up');
    const headers = { ...BASE_HEADERS, cookie };
    // get-session answers 200 with `null` when the cookie is not accepted: check the body once.
    await expectAnswer(await request(`${url}/api/auth/get-session`, { headers }), 200, 'better-auth get-session', BENCH_USER.email);
    return { url: `${url}/api/auth/get-session`, headers, expectStatus: 200 };
  },
};

/** Logs the bench user in; returns the session cookie and the CSRF token bound to it. */
export async function portcullisLogin(url: string): Promise<{ cookie: string; csrfToken: string }> {
  const login = await request(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email: BENCH_USER.email, password: BENCH_USER.password }),
  });
  const cookie = cookieFrom(login, 'portcullis_session');
  const body = JSON.parse(await expectAnswer(login, 200, 'portcullis login')) as { csrf_token?: string };
  return { cookie, csrfToken: body.csrf_token ?? '' };
}

export async function portcullisAuthGet(url: string): Promise<LoadTarget> {
  const { cookie } = await portcullisLogin(url);
  const headers = { ...BASE_HEADERS, cookie };
  await expectAnswer(await request(`${url}/bench/me`, { headers }), 200, 'portcullis GET /bench/me', BENCH_USER.email);
  return { url: `${url}/bench/me`, headers, expectStatus: 200 };
}

/** `POST /auth/login` with the bench user's JSON credentials: every answer is a fresh session (200). */
export function portcullisLoginTarget(url: string): LoadTarget {
  return {
    url: `${url}/auth/login`,
    method: 'POST',
    headers: { ...BASE_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_USER.email, password: BENCH_USER.password }),
    expectStatus: 200,
  };
}

export function portcullisSqliteSpec(ctx: RunContext, databasePath = ctx.freshPath('portcullis', 'db'), nodeArgs: readonly string[] = []): ServerSpec {
  return {
    name: 'portcullis-sqlite',
    script: 'bench/servers/portcullis.ts',
    readyPath: '/healthz',
    env: { DATABASE_URL: `sqlite:${databasePath}`, BENCH_SECRET: ctx.secret },
    nodeArgs,
  };
}

export const portcullisSqlitePeer: Peer = {
  key: 'portcullis-sqlite',
  label: 'Portcullis (SQLite)',
  packages: ['hono', '@hono/node-server', 'kysely', 'better-sqlite3', '@node-rs/argon2'],
  spec: async (ctx) => portcullisSqliteSpec(ctx),
  prepare: portcullisAuthGet,
};

export const portcullisPostgresPeer: Peer = {
  key: 'portcullis-pg-redis',
  label: 'Portcullis (PostgreSQL + Redis counters)',
  packages: ['hono', '@hono/node-server', 'kysely', 'pg', 'ioredis', 'rate-limiter-flexible'],
  spec: async (ctx) => ({
    name: 'portcullis-pg-redis',
    script: 'bench/servers/portcullis.ts',
    readyPath: '/healthz',
    env: { DATABASE_URL: await ctx.postgresUrl(), BENCH_SECRET: ctx.secret, BENCH_REDIS_URL: ctx.config.redisUrl, BENCH_REDIS_PREFIX: ctx.redisPrefix },
  }),
  prepare: portcullisAuthGet,
};

export const AUTH_GET_PEERS: readonly Peer[] = [nodeHttpPeer, honoPeer, expressPeer, expressPassportPeer, betterAuthPeer, portcullisSqlitePeer, portcullisPostgresPeer];
