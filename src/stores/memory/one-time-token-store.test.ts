/** @module The in-memory one-time token store against the shared contract. */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { describeOneTimeTokenStore } from '../../testing/conformance/one-time-tokens.ts';
import { createMemoryOneTimeTokenStore } from './one-time-token-store.ts';

describe('memory one-time token store', () => {
  const store = createMemoryOneTimeTokenStore();
  describeOneTimeTokenStore({ tokens: () => store, userId: async () => `u-${randomBytes(6).toString('hex')}` });
});
