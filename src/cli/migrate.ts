/** @module `npm run migrate`: apply pending migrations to DATABASE_URL, print what was applied, exit. */
import { ConfigError } from '../index.ts';
import { migrateDatabase } from './serve.ts';

try {
  const applied = await migrateDatabase(process.env);
  process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
} catch (error) {
  const message = error instanceof ConfigError ? error.message : `Migration failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(message + '\n');
  process.exit(1);
}
