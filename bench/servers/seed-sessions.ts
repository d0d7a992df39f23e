/**
 * @module Fills a database (SQLite file or PostgreSQL schema) with BENCH_SEED_SESSIONS sessions
 * (random token hashes, one user per 100 sessions) before the server starts. Rows go in through
 * Kysely in batches of 1,000 inside transactions: a million sessions in seconds, not hours.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createSqlStores } from 'portcullis/sql';

const databaseUrl = process.env.DATABASE_URL;
const count = Number(process.env.BENCH_SEED_SESSIONS);
if (!databaseUrl || !Number.isInteger(count) || count <= 0) throw new Error('DATABASE_URL and BENCH_SEED_SESSIONS must be set');

const SESSIONS_PER_USER = 100;
const BATCH = 1_000;
const stores = await createSqlStores(databaseUrl);
const nowMs = Date.now();
// Not a real argon2 hash: these accounts never log in, they only own sessions.
const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$c2VlZHNlZWRzZWVk$c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZA';

for (let start = 0; start < count; start += BATCH * 10) {
  await stores.db.transaction().execute(async (trx) => {
    for (let batch = start; batch < Math.min(count, start + BATCH * 10); batch += BATCH) {
      const size = Math.min(BATCH, count - batch);
      const users = Array.from({ length: Math.ceil(size / SESSIONS_PER_USER) }, (_, i) => {
        const email = `seed-${(batch + i * SESSIONS_PER_USER) / SESSIONS_PER_USER}@example.com`;
        return { id: randomUUID(), email, email_key: email, username: null, username_key: null, password_hash: passwordHash, active: 1, uniquifier: randomBytes(16).toString('hex'), created_at: nowMs, updated_at: nowMs, last_login_at: null };
      });
      await trx.insertInto('users').values(users).execute();
      const sessions = Array.from({ length: size }, (_, i) => {
        const user = users[Math.floor(i / SESSIONS_PER_USER)]!;
        return {
          id: randomUUID(),
          token_hash: randomBytes(32).toString('hex'),
          user_id: user.id,
          uniquifier: user.uniquifier,
          created_at: nowMs,
          last_seen_at: nowMs,
          expires_at: nowMs + 24 * 3_600_000,
          fresh_at: nowMs,
          grace_until: 0,
          remember: 0,
          ip: '10.0.0.1',
          user_agent: 'seed',
          fingerprint: randomBytes(32).toString('hex'),
        };
      });
      await trx.insertInto('sessions').values(sessions).execute();
    }
  });
}
await stores.close();
process.stdout.write(`seeded ${count} sessions\n`);
