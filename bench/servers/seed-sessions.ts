/**
 * @module Fills a SQLite database with BENCH_SEED_SESSIONS sessions (random token hashes, spread
 * over one user per 100 sessions) through `stores.sessions.createSession`, before the server starts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createSqlStores } from 'portcullis';

const databaseUrl = process.env.DATABASE_URL;
const count = Number(process.env.BENCH_SEED_SESSIONS);
if (!databaseUrl || !Number.isInteger(count) || count <= 0) throw new Error('DATABASE_URL and BENCH_SEED_SESSIONS must be set');

const SESSIONS_PER_USER = 100;
const stores = await createSqlStores(databaseUrl);
const nowMs = Date.now();
// Not a real argon2 hash: these accounts never log in, they only own sessions.
const passwordHash = '$argon2id$v=19$m=19456,t=2,p=1$c2VlZHNlZWRzZWVk$c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZA';
let userId = '';
let uniquifier = '';
for (let i = 0; i < count; i++) {
  if (i % SESSIONS_PER_USER === 0) {
    userId = randomUUID();
    uniquifier = randomBytes(16).toString('hex');
    const email = `seed-${i / SESSIONS_PER_USER}@example.com`;
    await stores.users.createUser({ id: userId, email, emailKey: email, username: null, usernameKey: null, passwordHash, uniquifier, nowMs });
  }
  await stores.sessions.createSession({
    id: randomUUID(),
    tokenHash: randomBytes(32).toString('hex'),
    userId,
    uniquifier,
    createdAtMs: nowMs,
    lastSeenAtMs: nowMs,
    expiresAtMs: nowMs + 24 * 3_600_000,
    freshAtMs: nowMs,
    graceUntilMs: 0,
    remember: false,
    ip: '10.0.0.1',
    userAgent: 'seed',
    fingerprint: randomBytes(32).toString('hex'),
  });
}
await stores.close();
process.stdout.write(`seeded ${count} sessions\n`);
