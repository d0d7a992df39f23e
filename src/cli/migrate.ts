/** @module `npm run migrate`: apply pending migrations to DATABASE_URL, print what was applied, exit. */
import { ConfigError, migrateToLatest, openDatabase, readEnvConfig } from '../index.ts';

try {
  const { server } = readEnvConfig(process.env);
  const { db } = openDatabase(server.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
  } finally {
    await db.destroy();
  }
} catch (error) {
  const message = error instanceof ConfigError ? error.message : `Migration failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(message + '\n');
  process.exit(1);
}
