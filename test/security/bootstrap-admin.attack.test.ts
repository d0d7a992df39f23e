/**
 * @module Attack suite — BOOTSTRAP_ADMIN_EMAIL makes the first admin and never another: once anybody
 * holds `admin`, registering the address (in any case, however many times at once) gives an
 * ordinary account, and the table of role grants is left exactly as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, nextIp, uniqueEmail, type TestApp } from '../http/harness.ts';

const BOOTSTRAP = 'first-admin@example.com';

/** Every role grant in the store, as sorted `user:role` pairs. */
async function roleGrants(t: TestApp): Promise<string[]> {
  const rows = await t.stores.db.selectFrom('user_roles').select(['user_id', 'role_name']).execute();
  return rows.map((row) => `${row.user_id}:${row.role_name}`).sort();
}

describe('BOOTSTRAP_ADMIN_EMAIL', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('while no admin exists, registering the address grants admin (the bootstrap still works)', async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
    const { res, body } = await t.client().register({ email: BOOTSTRAP });
    expect(res.status).toBe(201);
    expect(body.user.roles).toEqual(['admin']);
  });

  it('an admin already exists (made by the CLI): registering the address gets no admin role, grants unchanged', async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP });
    const operator = await t.client().signUp({ email: uniqueEmail('operator') });
    expect(await t.stores.roles.grantRole(operator.id, 'admin')).toBe(true);
    const before = await roleGrants(t);

    const attacker = t.client({ ip: nextIp() });
    const { res, body } = await attacker.register({ email: BOOTSTRAP.toUpperCase() });
    expect(res.status).toBe(201);
    expect(body.user.roles).toEqual([]);
    expect((await attacker.me()).body.user?.roles).toEqual([]);
    expect((await t.stores.roles.authorizationOfUser(body.user.id)).roles).toEqual([]);
    expect(await roleGrants(t)).toEqual(before);
    expect((await attacker.json('/admin')).res.status).toBe(403);
  });

  it('the bootstrap admin exists: concurrent registrations of the address variants make no second admin', async () => {
    t = await createTestApp({ bootstrapAdminEmail: BOOTSTRAP, rateLimits: { register: { count: 1000, windowMs: 3_600_000 } } });
    const first = await t.client().register({ email: BOOTSTRAP });
    expect(first.body.user.roles).toEqual(['admin']);
    // Another admin exists and the address is free again (its account deleted by an operator).
    const operator = await t.client().signUp({ email: uniqueEmail('operator') });
    expect(await t.stores.roles.grantRole(operator.id, 'admin')).toBe(true);
    await t.stores.db.deleteFrom('users').where('id', '=', first.body.user.id).execute();
    const before = await roleGrants(t);

    const variants = [BOOTSTRAP, BOOTSTRAP.toUpperCase(), ` ${BOOTSTRAP} `, 'First-Admin@Example.com'];
    const results = await Promise.all(variants.flatMap((email) => [0, 1].map(() => t!.client({ ip: nextIp() }).register({ email }))));
    const created = results.filter((r) => r.res.status === 201);
    expect(created.length).toBe(1);
    for (const r of created) expect(r.body.user.roles).toEqual([]);
    expect(await roleGrants(t)).toEqual(before);
  });
});
