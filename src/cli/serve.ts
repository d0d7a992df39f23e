/** @module `portcullis serve` (the reference server, as `npm start`) and `portcullis migrate`. */
import type { Command } from 'commander';
import { readServerSettings } from '../app/settings.ts';
import { migrateToLatest, openDatabase } from '../sql.ts';
import { parseCount, type Env } from './options.ts';
import { writeLine } from './output.ts';

/** Applies pending migrations to DATABASE_URL; returns their names. */
export async function migrateDatabase(env: Env): Promise<readonly string[]> {
  const server = readServerSettings(env);
  const { db } = openDatabase(server.databaseUrl);
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** Serves until SIGTERM or SIGINT, then finishes in-flight requests (at most 10 s) and exits 0. */
async function serveUntilSignalled(env: Env): Promise<void> {
  // The reference app is not part of the library's public exports: loaded only for this command.
  const { startServer } = await import('../app/start.ts');
  const server = await startServer(env);
  await new Promise<void>((stopped) => {
    const shutdown = (signal: NodeJS.Signals) => {
      server.log.info({ signal }, 'shutting down: finishing in-flight requests');
      setTimeout(() => {
        server.log.error('shutdown took longer than 10s; exiting');
        process.exit(1);
      }, 10_000).unref();
      server.close().then(stopped, (error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}

export function registerServerCommands(program: Command, env: Env): void {
  program
    .command('serve')
    .description('run the reference server (as npm start), configured by environment variables')
    .option('--port <port>', 'listen on this port (overrides PORT)', parseCount('--port'))
    .option('--host <host>', 'listen on this address (overrides HOST)')
    .action((flags: { port?: number; host?: string }) =>
      serveUntilSignalled({ ...env, ...(flags.port !== undefined ? { PORT: String(flags.port) } : {}), ...(flags.host !== undefined ? { HOST: flags.host } : {}) }),
    );

  program
    .command('migrate')
    .description('apply pending database migrations to DATABASE_URL')
    .action(async () => {
      const applied = await migrateDatabase(env);
      writeLine(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
    });
}
