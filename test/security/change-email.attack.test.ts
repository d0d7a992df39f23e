/**
 * @module Attack: the change-of-e-mail link (the advisories: a link not bound to its user, a
 * reconfirm race, a link redeemable twice). Raced (20 concurrent redemptions → one change),
 * replayed, superseded by another change (bound to the old address's hash), raced against a
 * confirmation link of the old address, and an address taken between the request and the link.
 * Each refusal is asserted with "nothing changed".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail, type Client } from '../http/harness.ts';
import { confirmTokenIn, createIdentityApp, linkIn, type IdentityApp } from '../http/identity-helpers.ts';
import { tokenOfLink } from '../http/password-helpers.ts';

const CLIENT = { ip: '127.0.0.1', secure: false, userAgent: 'test' };
let app: IdentityApp;

beforeAll(async () => {
  app = await createIdentityApp('required');
});
afterAll(async () => {
  await app?.dispose();
});

async function signedIn(label: string): Promise<{ email: string; client: Client; userId: string }> {
  const email = uniqueEmail(label);
  const { id } = await app.t.auth.admin.createUser({ email, password: PASSWORD }, CLIENT);
  const client = app.t.client();
  expect((await client.login({ email })).res.status).toBe(200);
  return { email, client, userId: id };
}

async function changeLink(client: Client, target: string): Promise<string> {
  expect((await client.json('/auth/change-email', { json: { new_email: target }, csrf: true })).res.status).toBe(202);
  const mails = await app.mailTo(target);
  return tokenOfLink(linkIn(mails.at(-1)!, '/confirm-email-change'));
}

const emailOf = async (userId: string) => (await app.t.stores.users.findUserById(userId))?.email;

describe('change-of-e-mail link attacks', () => {
  it('20 concurrent redemptions of one link from 20 clients: one 200, the account moved once, one notice', async () => {
    const { email, client, userId } = await signedIn('race');
    const target = uniqueEmail('race-to');
    const token = await changeLink(client, target);
    const results = await Promise.all(Array.from({ length: 20 }, () => app.t.client().json('/auth/change-email/confirm', { json: { token } })));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.res.status === 400)).toHaveLength(19);
    expect(await emailOf(userId)).toBe(target);
    expect(await app.mailTo(email)).toHaveLength(1);
  });

  it('a replayed link is refused and changes nothing', async () => {
    const { client, userId } = await signedIn('replay');
    const target = uniqueEmail('replay-to');
    const token = await changeLink(client, target);
    expect((await app.t.client().json('/auth/change-email/confirm', { json: { token } })).res.status).toBe(200);
    const before = await app.t.stores.users.findUserById(userId);
    const replay = await app.t.client().json('/auth/change-email/confirm', { json: { token } });
    expect(replay.res.status).toBe(400);
    expect(await app.t.stores.users.findUserById(userId)).toEqual(before);
  });

  it('two links asked in turn: the first used moves the account; the second is stale (bound to the old address) and changes nothing', async () => {
    const { client, userId } = await signedIn('two-links');
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    const firstToken = await changeLink(client, first);
    const secondToken = await changeLink(client, second);
    expect((await app.t.client().json('/auth/change-email/confirm', { json: { token: secondToken } })).res.status).toBe(200);
    expect(await emailOf(userId)).toBe(second);
    const late = await app.t.client().json('/auth/change-email/confirm', { json: { token: firstToken } });
    expect(late.res.status).toBe(400);
    expect(await emailOf(userId)).toBe(second);
  });

  it('an address taken between the request and the link: refused, the account keeps its address', async () => {
    const { email, client, userId } = await signedIn('late-taken');
    const target = uniqueEmail('contested');
    const token = await changeLink(client, target);
    await app.t.auth.admin.createUser({ email: target, password: PASSWORD }, CLIENT);
    const { res } = await app.t.client().json('/auth/change-email/confirm', { json: { token } });
    expect(res.status).toBe(400);
    expect(await emailOf(userId)).toBe(email);
  });

  it('a confirmation link of the old address raced against the change: the account ends on the new, confirmed address', async () => {
    const email = uniqueEmail('racing');
    expect((await app.t.client().register({ email })).res.status).toBe(202);
    expect((await app.t.client().json('/auth/confirm/resend', { json: { email } })).res.status).toBe(200);
    const [first, second] = (await app.mailTo(email)).map(confirmTokenIn);
    // Sign in through the first link, then make the address unconfirmed again (an account as
    // EMAIL_CONFIRMATION=optional leaves it) and ask for a change with that fresh session.
    const owner = app.t.client();
    expect((await owner.json('/auth/confirm', { json: { token: first } })).res.status).toBe(200);
    const userId = (await app.t.stores.users.findUserByEmailKey(email))!.id;
    await app.t.stores.db.updateTable('users').set({ email_confirmed_at: null }).where('id', '=', userId).execute();
    const target = uniqueEmail('racing-to');
    const changeToken = await changeLink(owner, target);
    const [change, confirm] = await Promise.all([
      app.t.client().json('/auth/change-email/confirm', { json: { token: changeToken } }),
      app.t.client().json('/auth/confirm', { json: { token: second } }),
    ]);
    expect(change.res.status).toBe(200);
    expect([200, 400]).toContain(confirm.res.status);
    const after = await app.t.stores.users.findUserById(userId);
    expect(after?.email).toBe(target);
    expect(after?.emailConfirmedAtMs).not.toBeNull();
  });

  it('a link is good for its own user only: a stale session of another user cannot redeem it into their account', async () => {
    const a = await signedIn('owner-a');
    const b = await signedIn('other-b');
    const target = uniqueEmail('a-target');
    const token = await changeLink(a.client, target);
    // B presents A's link while signed in as B: it moves A (the link's user), never B.
    expect((await b.client.json('/auth/change-email/confirm', { json: { token }, csrf: true })).res.status).toBe(200);
    expect(await emailOf(a.userId)).toBe(target);
    expect(await emailOf(b.userId)).toBe(b.email);
  });
});
