/** Admin actions beyond roles: clear a lock-out, end every session and token of a user — fresh, audited, refused to non-admins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, nextIp, uniqueEmail, PASSWORD, type TestApp } from './harness.ts';

const ADMIN = 'actions-admin@example.com';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ bootstrapAdminEmail: ADMIN });
  await t.client().signUp({ email: ADMIN });
});
afterAll(async () => {
  await t?.dispose();
});

async function admin() {
  const c = t.client();
  expect((await c.login({ email: ADMIN })).res.status).toBe(200);
  return c;
}

describe('admin actions', () => {
  it('Unlock clears a lock-out: the right password works again at once, and the action is audited', async () => {
    const email = uniqueEmail('locked');
    const { id } = await t.client().signUp({ email });
    const attacker = t.client({ ip: nextIp() });
    for (let i = 0; i < 3; i++) await attacker.login({ email, password: 'wrong password 123' });
    const victim = t.client({ ip: nextIp() });
    expect((await victim.login({ email, password: PASSWORD })).res.status).toBe(429);

    const a = await admin();
    expect((await a.send(`/admin/users/${id}/unlock`, { method: 'POST', json: {}, csrf: true })).status).toBe(204);
    expect((await victim.login({ email, password: PASSWORD })).res.status).toBe(200);
    const { records } = await t.auth.admin.listAudit({ event: 'user.unlocked', userId: id, offset: 0, limit: 5 });
    expect(records).toHaveLength(1);
  });

  it('Sign out everywhere ends every session, refresh family and API token of the user; the account stays active', async () => {
    const email = uniqueEmail('everywhere');
    const user = t.client();
    const { id } = await user.signUp({ email });
    const pair = await t.request('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) }, nextIp());
    const { access_token: access } = (await pair.json()) as { access_token: string };
    expect((await user.me()).res.status).toBe(200);

    const a = await admin();
    expect((await a.send(`/admin/users/${id}/sessions/revoke`, { method: 'POST', json: {}, csrf: true })).status).toBe(204);
    expect((await user.me()).res.status).toBe(401);
    expect((await t.request('/auth/me', { headers: { authorization: `Bearer ${access}`, accept: 'application/json' } })).status).toBe(401);
    expect(await t.stores.sessions.listSessionsOfUser(id)).toEqual([]);
    expect((await t.stores.users.findUserById(id))?.active).toBe(true);
    expect((await t.client().login({ email })).res.status).toBe(200);
  });

  it('both need the admin role and CSRF; a user gets 403 and nothing changes', async () => {
    const email = uniqueEmail('target');
    const target = t.client();
    const { id } = await target.signUp({ email });
    const mallory = t.client();
    await mallory.signUp({ email: uniqueEmail('mallory') });
    const res = await mallory.send(`/admin/users/${id}/sessions/revoke`, { method: 'POST', json: {}, csrf: true });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'Forbidden', code: 'FORBIDDEN' });
    const a = await admin();
    expect((await a.send(`/admin/users/${id}/sessions/revoke`, { method: 'POST', json: {}, csrf: false })).status).toBe(403);
    expect((await target.me()).res.status).toBe(200);
  });
});
