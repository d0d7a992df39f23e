/**
 * @module The `adapters` scenario's servers: one framework (BENCH_FRAMEWORK = hono, express, fastify
 * or fetch — the bare `handler(auth)` on node:http through @hono/node-server's bridge) answering
 * `GET /` with a small JSON, bare or (BENCH_PORTCULLIS=1) with Portcullis wired in the way the
 * README shows: the same route then passes the adapter's middleware (client, security headers,
 * Cache-Control). With Portcullis, `GET /bench/me` behind required() + roles('member') too.
 */
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createAuth, createMemoryCounterStore, handler, http, type Auth } from 'portcullis';
import { expressAuth } from 'portcullis/express';
import { fastifyAuth } from 'portcullis/fastify';
import { honoAuth, type AuthEnv } from 'portcullis/hono';
import { createSqlStores } from 'portcullis/sql';
import { BENCH_USER } from './bench-user.ts';
import { ensureBenchUser } from './portcullis-app.ts';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const framework = process.env.BENCH_FRAMEWORK ?? 'hono';
const withPortcullis = process.env.BENCH_PORTCULLIS === '1';
const port = listenPort();
const HELLO = { hello: 'world' };

async function openAuth(): Promise<{ auth: Auth; close: () => Promise<unknown> }> {
  const databaseUrl = process.env.DATABASE_URL;
  const secretKey = process.env.BENCH_SECRET;
  if (!databaseUrl || !secretKey) throw new Error('DATABASE_URL and BENCH_SECRET must be set');
  const stores = await createSqlStores(databaseUrl);
  const counters = createMemoryCounterStore();
  const auth = createAuth({ stores, counters, secretKey, publicOrigin: `http://127.0.0.1:${port}` });
  await ensureBenchUser(auth, stores);
  return { auth, close: async () => Promise.all([auth.flush(), stores.close(), counters.close()]) };
}

const opened = withPortcullis ? await openAuth() : undefined;
const auth = opened?.auth;

if (framework === 'hono') {
  const app = new Hono<AuthEnv>();
  if (auth) {
    const pc = honoAuth(auth);
    app.use('*', pc.middleware);
    app.onError(pc.onError);
    app.route('/auth', pc.routes);
    app.get('/bench/me', pc.required(), pc.roles(BENCH_USER.role), (c) => c.json({ user: c.get('user')?.email }));
  }
  app.get('/', (c) => c.json(HELLO));
  serve({ fetch: app.fetch, port, hostname: HOST });
} else if (framework === 'express') {
  const app = express();
  if (auth) {
    const pc = expressAuth(auth);
    app.use(pc.middleware);
    app.use('/auth', pc.routes);
    app.get('/bench/me', pc.required(), pc.roles(BENCH_USER.role), (req, res) => res.json({ user: req.user?.email }));
    app.get('/', (_req, res) => res.json(HELLO));
    app.use(pc.errorHandler);
  } else {
    app.get('/', (_req, res) => res.json(HELLO));
  }
  app.listen(port, HOST);
} else if (framework === 'fastify') {
  const pc = auth ? fastifyAuth(auth) : undefined;
  const app = Fastify(pc ? { frameworkErrors: pc.frameworkErrors } : {});
  if (pc) {
    await app.register(pc.plugin);
    app.get('/bench/me', { preHandler: [pc.required(), pc.roles(BENCH_USER.role)] }, async (request) => ({ user: request.user?.email }));
  }
  app.get('/', async () => HELLO);
  await app.listen({ port, host: HOST });
} else if (framework === 'fetch') {
  const member = [http.required(), http.roles(BENCH_USER.role)];
  const fetch = auth
    ? handler(auth, {
        async fallback(request, state) {
          const path = state.path;
          if (request.method !== 'GET') return undefined;
          if (path === '/') return Response.json(HELLO);
          if (path !== '/bench/me') return undefined;
          for (const guard of member) {
            const denied = await guard(request, state);
            if (denied) return denied;
          }
          return Response.json({ user: state.principal?.user.email });
        },
      })
    : undefined;
  type Bindings = { incoming: { socket: { remoteAddress?: string } } };
  serve({
    fetch: fetch ? (request: Request, env: Bindings) => fetch(request, { remoteAddress: env.incoming.socket.remoteAddress }) : () => Response.json(HELLO),
    port,
    hostname: HOST,
  });
} else {
  throw new Error(`unknown BENCH_FRAMEWORK ${framework}`);
}
exitOnSignal(opened?.close);
