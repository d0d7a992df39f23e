/** @module The SQL stores against the conformance suite, on SQLite or PostgreSQL (PORTCULLIS_TEST_DB). */
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newUser } from '../../testing/conformance/fixtures.ts';
import { describeMfaStoreConformance } from '../../testing/mfa-conformance.ts';
import { describeTrustedDeviceConformance } from '../../testing/trusted-device-conformance.ts';
import { migrationProvider } from './migrations/index.ts';
import { describeStoreConformance } from '../../testing/store-conformance.ts';
import { openTestStores, testDatabaseKind } from '../../testing/test-database.ts';
import { createSqlStores } from './index.ts';

describeStoreConformance(`sql (${testDatabaseKind()})`, openTestStores);

describeMfaStoreConformance(`sql (${testDatabaseKind()})`, async () => {
  const { stores, dispose } = await openTestStores();
  return { mfa: stores.mfa, newUserId: async () => (await stores.users.createUser(newUser())).id, dispose };
});

describeTrustedDeviceConformance(`sql (${testDatabaseKind()})`, async () => {
  const { stores, dispose } = await openTestStores();
  return { devices: stores.devices, newUserId: async () => (await stores.users.createUser(newUser())).id, dispose };
});

describe(`sql stores (${testDatabaseKind()})`, () => {
  it('opens the database the test run asked for', async () => {
    const { stores, dispose } = await openTestStores();
    try {
      expect(stores.dialect).toBe(testDatabaseKind());
    } finally {
      await dispose();
    }
  });

  it('migrates idempotently: opening the same database again keeps its data', async () => {
    const first = await openTestStores();
    try {
      const user = await first.stores.users.createUser({
        id: 'u-migrate-twice',
        email: 'twice@example.com',
        emailKey: 'twice@example.com',
        username: null,
        usernameKey: null,
        passwordHash: 'hash',
        uniquifier: 'uniq',
        nowMs: Date.UTC(2026, 0, 1),
      });
      const again = await createSqlStores(first.url);
      try {
        expect(await again.ping()).toBe(true);
        expect(await again.users.findUserById(user.id)).toEqual(user);
      } finally {
        await again.close();
      }
      const third = await createSqlStores(first.url, { migrate: true });
      await third.close();
    } finally {
      await first.dispose();
    }
  });

  it('migration 0005 counts the accounts that existed before it as confirmed, and new ones start unconfirmed', async () => {
    const { stores, dispose } = await openTestStores();
    try {
      const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(stores.db).catch(() => ({ rows: [] as { schema: string | null }[] }));
      const schema = rows[0]?.schema ?? undefined;
      const migrator = new Migrator({ db: stores.db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
      expect((await migrator.migrateTo('0004-password-reset')).error).toBeUndefined();
      const createdAt = Date.UTC(2025, 5, 1);
      await sql`insert into users (id, email, email_key, password_hash, active, uniquifier, created_at, updated_at) values ('u-before-0005', 'old@example.com', 'old@example.com', 'hash', 1, 'uniq', ${createdAt}, ${createdAt})`.execute(stores.db);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect((await stores.users.findUserById('u-before-0005'))?.emailConfirmedAtMs).toBe(createdAt);
      const fresh = await stores.users.createUser({ id: 'u-after-0005', email: 'new@example.com', emailKey: 'new@example.com', username: null, usernameKey: null, passwordHash: 'h', uniquifier: 'u', nowMs: createdAt });
      expect(fresh.emailConfirmedAtMs).toBeNull();
      expect((await stores.users.findUserById('u-after-0005'))?.emailConfirmedAtMs).toBeNull();
    } finally {
      await dispose();
    }
  });
});
