/**
 * @module Peer 5: Better Auth as its docs set it up — better-sqlite3 database, email + password,
 * the handler mounted on Hono at /api/auth/*, schema applied with its programmatic migrations.
 * Measured on `GET /api/auth/get-session` with the cookie of a signed-up user.
 */
import { serve } from '@hono/node-server';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const port = listenPort();
const databasePath = process.env.BENCH_SQLITE_PATH;
if (!databasePath) throw new Error('BENCH_SQLITE_PATH must be set');
const secret = process.env.BETTER_AUTH_SECRET;
if (!secret) throw new Error('BETTER_AUTH_SECRET must be set');

const database = new Database(databasePath);
const auth = betterAuth({
  database,
  baseURL: `http://127.0.0.1:${port}`,
  secret,
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const app = new Hono();
app.on(['POST', 'GET'], '/api/auth/*', (c) => auth.handler(c.req.raw));
app.get('/healthz', (c) => c.json({ ok: true }));
serve({ fetch: app.fetch, port, hostname: HOST });
exitOnSignal(() => database.close());
