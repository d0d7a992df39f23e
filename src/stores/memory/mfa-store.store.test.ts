/** @module The in-process MfaStore against the MfaStore conformance suite. */
import { randomBytes } from 'node:crypto';
import { describeMfaStoreConformance } from '../../testing/mfa-conformance.ts';
import { createMemoryMfaStore } from './mfa-store.ts';

describeMfaStoreConformance('memory', async () => ({
  mfa: createMemoryMfaStore(),
  newUserId: async () => `u-${randomBytes(6).toString('hex')}`,
  dispose: async () => undefined,
}));
