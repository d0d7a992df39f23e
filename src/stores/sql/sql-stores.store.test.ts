/** @module The SQL stores against the conformance suite, on SQLite or PostgreSQL (PORTCULLIS_TEST_DB). */
import { describe, expect, it } from 'vitest';
import { newUser } from '../../testing/conformance/fixtures.ts';
import { describeMfaStoreConformance } from '../../testing/mfa-conformance.ts';
import { describeStoreConformance } from '../../testing/store-conformance.ts';
import { openTestStores, testDatabaseKind } from '../../testing/test-database.ts';
import { createSqlStores } from './index.ts';

describeStoreConformance(`sql (${testDatabaseKind()})`, openTestStores);

describeMfaStoreConformance(`sql (${testDatabaseKind()})`, async () => {
  const { stores, dispose } = await openTestStores();
  return { mfa: stores.mfa, newUserId: async () => (await stores.users.createUser(newUser())).id, dispose };
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
});
