/**
 * @module The store conformance suite: every implementation of core/stores.ts (memory, SQLite,
 * PostgreSQL, …) registers it and must pass it unchanged. One file per contract under
 * conformance/; each test makes its own users, roles and sessions (random ids), so all of them
 * share one database without colliding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewUser, Stores, UserRecord } from '../core/stores.ts';
import { describeAuditStore } from './conformance/audit.ts';
import { newUser, type Fixture } from './conformance/fixtures.ts';
import { describeIdentityStore } from './conformance/identities.ts';
import { describeOneTimeTokenStore } from './conformance/one-time-tokens.ts';
import { describeRoleStore } from './conformance/roles.ts';
import { describeSessionStore } from './conformance/sessions.ts';
import { describeUserStore } from './conformance/users.ts';

export interface OpenedStores {
  readonly stores: Stores;
  dispose(): Promise<void>;
}

/** Registers the whole conformance suite for one store implementation. */
export function describeStoreConformance(name: string, open: () => Promise<OpenedStores>): void {
  describe(`store conformance: ${name}`, () => {
    let opened: OpenedStores | undefined;
    const stores = (): Stores => {
      if (!opened) throw new Error('stores not opened');
      return opened.stores;
    };
    const users = () => stores().users;
    const roles = () => stores().roles;
    const sessions = () => stores().sessions;

    /** A stored user and its record, for tests that need one to hang things on. */
    const storedUser = (overrides: Partial<NewUser> = {}): Promise<UserRecord> => users().createUser(newUser(overrides));

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it('answers ping', async () => {
      expect(await stores().ping()).toBe(true);
    });

    const fixture: Fixture = { stores, users, roles, sessions, storedUser };
    describeUserStore(fixture);
    describeRoleStore(fixture);
    describeSessionStore(fixture);
    describeAuditStore(fixture);
    describeIdentityStore(fixture);
    describeOneTimeTokenStore({ tokens: () => stores().oneTimeTokens, userId: async () => (await storedUser()).id });
  });
}
