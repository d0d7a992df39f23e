/**
 * @module Attack suite — a stale cache after invalidation. The per-process cache of a user's roles
 * (Bearer requests) is invalidated by every change made through Portcullis flows. A load that
 * began before the change must not write the old value back afterwards: the role an admin just
 * revoked would otherwise keep working for the cache's whole TTL (here 10 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientInfo, Principal } from '../../src/index.ts';
import { createTestApp, type TestApp } from '../http/harness.ts';
import { createAccount, issueTokens } from '../http/token-helpers.ts';

const CLIENT: ClientInfo = { ip: '127.0.0.1', secure: false, userAgent: 'stale-cache attack test' };

describe('a role revoked while a Bearer request is loading the user is not written back', () => {
  let t: TestApp;
  let adminPrincipal: Principal;

  beforeAll(async () => {
    t = await createTestApp({ tokens: { stateCacheTtlMs: 10 * 60_000 } });
    const admin = await createAccount(t);
    await t.stores.roles.grantRole(admin.user.id, 'admin');
    const adminUser = await t.stores.users.findUserById(admin.user.id);
    if (!adminUser) throw new Error('no admin');
    adminPrincipal = { user: adminUser, authorization: await t.stores.roles.authorizationOfUser(adminUser.id), via: 'session', session: null };
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the request that started before the revocation may see the old role; every later one sees it gone', async () => {
    const { email, user } = await createAccount(t);
    await t.stores.roles.grantRole(user.id, 'editor');
    const pair = await issueTokens(t, email);
    const me = () => t.request('/auth/me', { headers: { authorization: `Bearer ${pair.access_token}`, accept: 'application/json' } });

    // A slow store: the load reads the roles as they are, then is held before it returns.
    const original = t.stores.roles.authorizationOfUser.bind(t.stores.roles);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loadRead: () => void = () => undefined;
    const read = new Promise<void>((resolve) => {
      loadRead = resolve;
    });
    t.stores.roles.authorizationOfUser = async (userId: string) => {
      const result = await original(userId);
      if (userId === user.id) {
        loadRead();
        await held;
      }
      return result;
    };
    try {
      const first = me();
      await read; // the first request's load has read roles = [editor] and is in flight
      await t.auth.admin.revokeRole(adminPrincipal, user.id, 'editor', CLIENT);
      release();
      expect((await first).status).toBe(200);
      // The revocation happened before this request: it must not see the role, now or later.
      const second = await me();
      expect(second.status).toBe(200);
      expect(((await second.json()) as { user: { roles: string[] } }).user.roles).toEqual([]);
      t.clock.advanceMs(60_000);
      const third = await me();
      expect(((await third.json()) as { user: { roles: string[] } }).user.roles).toEqual([]);
      // And nothing else changed: the role is gone in the store too.
      expect((await t.stores.roles.authorizationOfUser(user.id)).roles).toEqual([]);
    } finally {
      t.stores.roles.authorizationOfUser = original;
    }
  });
});
