/** The memory IdentityStore passes the shared conformance suite, beside the database's users. */
import { describeStoreConformance } from '../../testing/store-conformance.ts';
import { openTestStores } from '../../testing/test-database.ts';
import { createMemoryIdentityStore } from './identity-store.ts';

describeStoreConformance('memory identities (users in the test database)', async () => {
  const { stores, dispose } = await openTestStores();
  return { stores: { ...stores, identities: createMemoryIdentityStore(stores.users) }, dispose };
});
