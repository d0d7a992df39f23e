/**
 * @module Attack: the confirmation link. Raced (20 concurrent redemptions from 20 clients → one
 * success, one confirmation, one session), replayed, expired, bound to an address the account no
 * longer has, guessed; an unconfirmed account's bearer token after confirmation became required.
 * Each refusal is asserted together with "nothing changed".
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock, createAuth, generateSigningKeyPem } from '../../src/index.ts';

const SECRET = randomBytes(48).toString('base64url');
import { createReferenceApp } from '../../src/app/server.tsx';
import { PASSWORD, PUBLIC_ORIGIN, errorShape, uniqueEmail } from '../http/harness.ts';
import { confirmTokenIn, createIdentityApp, type IdentityApp } from '../http/identity-helpers.ts';
import { HOUR } from '../http/harness.ts';
import { rawRequest } from './attack-helpers.ts';

let app: IdentityApp;

beforeAll(async () => {
  app = await createIdentityApp('required');
});
afterAll(async () => {
  await app?.dispose();
});

async function registered(label: string): Promise<{ email: string; token: string; userId: string }> {
  const email = uniqueEmail(label);
  expect((await app.t.client().register({ email })).res.status).toBe(202);
  const [mail] = await app.mailTo(email);
  const user = await app.t.stores.users.findUserByEmailKey(email.toLowerCase());
  return { email, token: confirmTokenIn(mail!), userId: user!.id };
}

async function confirmedAt(userId: string): Promise<number | null | undefined> {
  return (await app.t.stores.users.findUserById(userId))?.emailConfirmedAtMs;
}

describe('confirmation link attacks', () => {
  it('20 concurrent redemptions of one link from 20 clients: one 200, one confirmation event, one session', async () => {
    const { token, userId } = await registered('race');
    const clients = Array.from({ length: 20 }, () => app.t.client());
    const results = await Promise.all(clients.map((c) => c.json('/auth/confirm', { json: { token } })));
    const statuses = results.map((r) => r.res.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const r of results.filter((x) => x.res.status === 400)) expect(errorShape(r.body).fields).toHaveProperty('token');
    expect((await app.t.stores.sessions.listSessionsOfUser(userId)).length).toBe(1);
    await app.t.auth.flush();
    const { records } = await app.t.auth.admin.listAudit({ event: 'email.confirmed', userId, offset: 0, limit: 10 });
    expect(records).toHaveLength(1);
  });

  it('a replayed link is refused and signs nobody in', async () => {
    const { token, userId } = await registered('replay');
    expect((await app.t.client().json('/auth/confirm', { json: { token } })).res.status).toBe(200);
    const sessionsBefore = (await app.t.stores.sessions.listSessionsOfUser(userId)).length;
    const replay = app.t.client();
    const { res, body } = await replay.json('/auth/confirm', { json: { token } });
    expect(res.status).toBe(400);
    expect(errorShape(body).fields?.token).toContain('invalid, used or expired');
    expect(replay.sessionToken).toBeUndefined();
    expect((await app.t.stores.sessions.listSessionsOfUser(userId)).length).toBe(sessionsBefore);
  });

  it('an expired link is refused and the address stays unconfirmed', async () => {
    const { token, userId } = await registered('expired');
    app.t.clock.advanceMs(24 * HOUR);
    const client = app.t.client();
    const { res } = await client.json('/auth/confirm', { json: { token } });
    expect(res.status).toBe(400);
    expect(client.sessionToken).toBeUndefined();
    expect(await confirmedAt(userId)).toBeNull();
  });

  it('a link for an address the account no longer has confirms nothing (bound to the address it was sent to)', async () => {
    const { token, userId } = await registered('rebound');
    // The account's address changes after the link was mailed (as a change of e-mail would).
    const moved = uniqueEmail('moved');
    await app.t.stores.db.updateTable('users').set({ email: moved, email_key: moved.toLowerCase() }).where('id', '=', userId).execute();
    const client = app.t.client();
    const { res } = await client.json('/auth/confirm', { json: { token } });
    expect(res.status).toBe(400);
    expect(client.sessionToken).toBeUndefined();
    expect(await confirmedAt(userId)).toBeNull();
  });

  it('guessed and malformed tokens are refused; the guesser runs out of budget (429) before it can try many', async () => {
    const { userId } = await registered('guess');
    const guesser = app.t.client();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const token = `pccf_${randomBytes(32).toString('base64url').slice(0, 43)}`;
      statuses.push((await guesser.json('/auth/confirm', { json: { token } })).res.status);
    }
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
    expect(statuses).toContain(429);
    for (const token of ['', 'pccf_short', 'pcrs_' + 'a'.repeat(43), { $ne: null }, 'x'.repeat(10_000)]) {
      const { res } = await app.t.client().json('/auth/confirm', { json: { token } });
      expect(res.status).toBe(400);
    }
    expect(await confirmedAt(userId)).toBeNull();
  });

  it("a password-reset token is not a confirmation link, and a confirmation link does not reset a password", async () => {
    const { token, userId } = await registered('crossed');
    const before = await app.t.stores.users.findUserById(userId);
    const reset = await app.t.client().json('/auth/reset-password', { json: { token, new_password: 'a different long passphrase 42' } });
    expect(reset.res.status).toBe(400);
    expect((await app.t.stores.users.findUserById(userId))?.passwordHash).toBe(before?.passwordHash);
    expect(await confirmedAt(userId)).toBeNull();
  });

  it('a bearer token issued while confirmation was optional answers 403 CONFIRMATION_REQUIRED once it is required', async () => {
    const tokenSigningKeys = [await generateSigningKeyPem()];
    const client = { ip: '10.1.2.3', secure: false, userAgent: 'test' };
    const make = (confirmation: 'optional' | 'required') =>
      createAuth({ secretKey: SECRET, environment: 'test', publicOrigin: PUBLIC_ORIGIN, stores: app.t.stores, clock: new FixedClock(), identity: { confirmation }, tokenSigningKeys });
    const optional = make('optional');
    const required = make('required');
    try {
      const email = uniqueEmail('bearer');
      expect('pending' in (await optional.sessions.register({ email, password: PASSWORD }, client))).toBe(false);
      const pair = await optional.tokens.issue({ email, password: PASSWORD }, client);
      const me = (auth: typeof optional) =>
        rawRequest(createReferenceApp(auth).app, '/auth/me', { headers: { authorization: `Bearer ${pair.access_token}`, accept: 'application/json' } });
      expect((await me(optional)).status).toBe(200);
      const refused = await me(required);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ error: 'Confirm your e-mail address first', code: 'CONFIRMATION_REQUIRED' });
      // Refused, not revoked: the same token still works where confirmation is optional.
      expect((await me(optional)).status).toBe(200);
    } finally {
      await optional.close();
      await required.close();
    }
  });
});
