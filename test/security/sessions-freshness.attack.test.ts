/**
 * @module Attack suite — revoking sessions with a stale stolen cookie: `POST
 * /auth/sessions/revoke-others`, `DELETE /auth/sessions/:id` and its form twin `POST
 * /auth/sessions/:id/revoke` need a recent password (401 REAUTH_REQUIRED; browsers to /verify).
 * Each refusal asserts that every session of the owner is still there and still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE, PASSWORD, createTestApp, errorShape, locationOf, uniqueEmail, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { sessionAlive, sessionCount } from './attack-helpers.ts';

const REAUTH_REQUIRED = { error: 'Re-authentication required', code: 'REAUTH_REQUIRED' } as const;

describe('revoking sessions needs a fresh login', () => {
  let t: TestApp;
  let owner: Client;
  let laptop: Client;
  let user: PublicUserBody;
  let email: string;

  beforeAll(async () => {
    t = await createTestApp();
    email = uniqueEmail('stale');
    owner = t.client();
    user = await owner.signUp({ email });
    laptop = t.client();
    expect((await laptop.login({ email })).res.status).toBe(200);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** A thief with a copy of the owner's cookie, used after the login has gone stale (same device, same network). */
  async function staleThief(): Promise<Client> {
    t.clock.advanceMs(11 * MINUTE);
    const thief = owner.clone();
    await thief.fetchCsrf();
    // keep the other sessions from idling out while the clock moves
    expect((await laptop.me()).res.status).toBe(200);
    return thief;
  }

  async function laptopSessionId(): Promise<string> {
    const { body } = await laptop.json<{ sessions: Array<{ id: string; current: boolean }> }>('/auth/sessions');
    const id = body.sessions.find((s) => s.current)?.id;
    if (!id) throw new Error('no current session');
    return id;
  }

  async function snapshot() {
    return {
      sessions: await sessionCount(t, user.id),
      ownerAlive: await sessionAlive(t, owner.sessionToken ?? '', owner.ip),
      laptopAlive: await sessionAlive(t, laptop.sessionToken ?? '', laptop.ip),
    };
  }

  it('JSON: revoke-others and DELETE /auth/sessions/:id with a stale cookie (and a valid CSRF token) → 401 REAUTH_REQUIRED, nothing revoked', async () => {
    const thief = await staleThief();
    const target = await laptopSessionId();
    const before = await snapshot();
    expect(before).toEqual({ sessions: 2, ownerAlive: true, laptopAlive: true });

    const others = await thief.json('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true });
    expect(others.res.status).toBe(401);
    expect(errorShape(others.body)).toEqual(REAUTH_REQUIRED);

    const one = await thief.json(`/auth/sessions/${target}`, { method: 'DELETE', csrf: true });
    expect(one.res.status).toBe(401);
    expect(errorShape(one.body)).toEqual(REAUTH_REQUIRED);

    const oneByPost = await thief.json(`/auth/sessions/${target}/revoke`, { method: 'POST', json: {}, csrf: true });
    expect(oneByPost.res.status).toBe(401);
    expect(errorShape(oneByPost.body)).toEqual(REAUTH_REQUIRED);

    expect(await snapshot()).toEqual(before);
  });

  it('browser forms with a stale cookie → redirected to /verify, nothing revoked', async () => {
    const thief = await staleThief();
    const target = await laptopSessionId();
    const before = await snapshot();
    const token = await thief.fetchCsrf();
    for (const path of ['/auth/sessions/revoke-others', `/auth/sessions/${target}/revoke`]) {
      const res = await thief.postForm(path, { csrf_token: token, next: '/account' }, { headers: { referer: 'http://localhost:3000/account' } });
      expect(res.status, path).toBe(303);
      expect(locationOf(res).startsWith('/verify?next='), path).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('control: after /auth/verify the owner may sign the other devices out', async () => {
    t.clock.advanceMs(11 * MINUTE);
    expect((await laptop.me()).res.status).toBe(200);
    const stale = await owner.json('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true });
    expect(stale.res.status).toBe(401);
    const verify = await owner.json('/auth/verify', { method: 'POST', json: { password: PASSWORD }, csrf: true });
    expect(verify.res.status).toBe(200);
    const revoked = await owner.json('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true });
    expect(revoked.res.status).toBe(200);
    expect(revoked.body).toEqual({ revoked: 1 });
    expect(await sessionAlive(t, laptop.sessionToken ?? '', laptop.ip)).toBe(false);
    expect(await sessionCount(t, user.id)).toBe(1);
  });
});
