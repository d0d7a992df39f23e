/**
 * @module `npm run start:cluster`: N processes on one port (Node's cluster), for a one-box
 * scale-out. The primary migrates once, then forks WEB_CONCURRENCY workers (default: one per
 * core), each hashing passwords in its share of the cores (ARGON2_THREADS = cores ÷ workers
 * unless set); a worker that dies is replaced. Use PostgreSQL and Redis: SQLite and in-process counters
 * are per machine and per process (`portcullis doctor` says so).
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError, parseConfig } from '../index.ts';
import { migrateToLatest, openDatabase } from '../sql.ts';
import { loadOrCreateDevSecret } from './secret.ts';
import { readAppConfig } from './settings.ts';

async function primary(): Promise<void> {
  const { server, auth } = readAppConfig(process.env);
  // Judged once here: a bad setting stops the start, instead of every worker failing and being replaced.
  // (The development secret is made here too, before the workers could race to create it.)
  parseConfig({ ...auth, secretKey: auth.secretKey ?? (auth.environment === 'production' ? '' : loadOrCreateDevSecret(server.dataDir)) });
  const { db } = openDatabase(server.databaseUrl);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  const workers = Math.max(1, Number(process.env.WEB_CONCURRENCY) || availableParallelism());
  // Each process hashes in its own pool; unless told otherwise, the processes share the cores
  // between them instead of each starting one hashing thread per core.
  const env = process.env.ARGON2_THREADS ? {} : { ARGON2_THREADS: String(Math.max(1, Math.floor(availableParallelism() / workers))) };
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork(env);
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    process.stderr.write(`worker ${worker.process.pid} exited (${code}); starting another\n`);
    cluster.fork(env);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 12_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (cluster.isPrimary) {
  primary().catch((error: unknown) => {
    const message = error instanceof ConfigError ? error.message : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(message + '\n');
    process.exit(1);
  });
} else {
  await import('./main.ts');
}
