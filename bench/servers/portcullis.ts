/**
 * @module Peers 6 and 7: the Portcullis bench app on DATABASE_URL (SQLite file or PostgreSQL),
 * with Redis counters when BENCH_REDIS_URL is set. Library defaults otherwise (no TRUST_PROXY).
 */
import { serve } from '@hono/node-server';
import { createMemoryCounterStore } from 'portcullis';
import { createRedisCounterStore } from 'portcullis/redis';
import { createSqlStores } from 'portcullis/sql';
import { createBenchApp, ensureBenchUser } from './portcullis-app.ts';
import { exitOnSignal, HOST, listenPort } from './exit-on-signal.ts';

const port = listenPort();
const databaseUrl = process.env.DATABASE_URL;
const secretKey = process.env.BENCH_SECRET;
if (!databaseUrl || !secretKey) throw new Error('DATABASE_URL and BENCH_SECRET must be set');
const redisUrl = process.env.BENCH_REDIS_URL;

const counters = redisUrl ? await createRedisCounterStore(redisUrl, { keyPrefix: process.env.BENCH_REDIS_PREFIX ?? 'portcullis-bench' }) : createMemoryCounterStore();
const stores = await createSqlStores(databaseUrl);
const { app, auth } = createBenchApp(stores, counters, secretKey, `http://127.0.0.1:${port}`);
await ensureBenchUser(auth, stores);
serve({ fetch: app.fetch, port, hostname: HOST });
exitOnSignal(async () => {
  await auth.flush();
  await Promise.all([stores.close(), counters.close()]);
});
