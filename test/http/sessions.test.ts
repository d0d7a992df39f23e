/** @module HTTP: server-side sessions — cookie attributes, listing, revocation, idle and absolute lifetimes, logout. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, SECURE_SESSION_COOKIE, SESSION_COOKIE, createTestApp, errorShape, locationOf, sha256Hex, uniqueEmail, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.dispose();
});

function sessionSetCookie(res: Response, name = SESSION_COOKIE): string {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return line;
}

function attributes(line: string): string[] {
  return line
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

describe('session cookie', () => {
  it('over http: HttpOnly, SameSite=Strict, Path=/, no Secure, no Domain, no __Host- prefix; a browser-session cookie', async () => {
    const email = uniqueEmail('cookie');
    await t.client().signUp({ email });
    const c = t.client();
    const { res } = await c.login({ email });
    const line = sessionSetCookie(res);
    const attrs = attributes(line);
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=strict');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure');
    expect(attrs.some((a) => a.startsWith('domain'))).toBe(false);
    expect(attrs.some((a) => a.startsWith('max-age') || a.startsWith('expires'))).toBe(false);
    // 256 bits of secret: 43 base64url characters
    expect(c.sessionToken).toMatch(/^[\w-]{43}$/);
  });

  it('over https: __Host- prefix with Secure, HttpOnly, SameSite=Strict, Path=/ and no Domain', async () => {
    const email = uniqueEmail('secure');
    await t.client().signUp({ email });
    const c = t.client({ origin: 'https://localhost:3000' });
    const { res } = await c.login({ email });
    expect(res.status).toBe(200);
    const line = sessionSetCookie(res, SECURE_SESSION_COOKIE);
    const attrs = attributes(line);
    expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/']));
    expect(attrs.some((a) => a.startsWith('domain'))).toBe(false);
    expect(res.headers.getSetCookie().some((l) => l.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect((await c.me()).res.status).toBe(200);
  });
});

describe('/auth/sessions', () => {
  it('lists id, created, last seen, IP, agent and `current`, never a token', async () => {
    const email = uniqueEmail('list');
    await t.client().signUp({ email });
    const laptop = t.client({ ip: '198.51.100.23', userAgent: 'Laptop Browser/1.0' });
    const phone = t.client({ ip: '203.0.113.77', userAgent: 'Phone Browser/2.0' });
    await laptop.login({ email });
    await phone.login({ email });
    const { res, body } = await laptop.json<{ sessions: Array<Record<string, unknown>> }>('/auth/sessions');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = JSON.stringify(body);
    for (const secret of [laptop.sessionToken!, phone.sessionToken!, sha256Hex(laptop.sessionToken!), sha256Hex(phone.sessionToken!)]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/token|hash|fingerprint/i);
    const sessions = body.sessions;
    // the registration session also still lives; this client sees the two logins at least
    const mine = sessions.find((s) => s.current === true);
    const other = sessions.find((s) => s.user_agent === 'Phone Browser/2.0');
    expect(sessions.filter((s) => s.current === true)).toHaveLength(1);
    expect(mine).toMatchObject({ ip: '198.51.100.23', user_agent: 'Laptop Browser/1.0', current: true });
    expect(other).toMatchObject({ ip: '203.0.113.77', current: false });
    for (const s of sessions) {
      expect(s).toEqual(
        expect.objectContaining({ id: expect.stringMatching(/^[0-9a-f]{32}$/), created_at: expect.any(String), last_seen_at: expect.any(String), ip: expect.any(String), user_agent: expect.any(String), current: expect.any(Boolean) }),
      );
      expect(Number.isNaN(Date.parse(String(s.created_at)))).toBe(false);
      expect(Number.isNaN(Date.parse(String(s.last_seen_at)))).toBe(false);
    }
    expect(mine?.created_at).toBe(new Date(t.clock.nowMs()).toISOString());
    // How each was made: a password alone is amr ["pwd"], AAL1. No remembered devices (the setting is off).
    for (const s of sessions) expect(s).toMatchObject({ amr: ['pwd'], aal: 1 });
    expect((body as { devices?: unknown }).devices).toEqual([]);
  });

  async function twoSessions() {
    const email = uniqueEmail('revoke');
    await t.client().signUp({ email });
    const a = t.client({ userAgent: 'Device A' });
    const b = t.client({ userAgent: 'Device B' });
    await a.login({ email });
    await b.login({ email });
    const { body } = await a.json<{ sessions: Array<{ id: string; user_agent: string; current: boolean }> }>('/auth/sessions');
    const bId = body.sessions.find((s) => s.user_agent === 'Device B')!.id;
    const aId = body.sessions.find((s) => s.current)!.id;
    return { a, b, aId, bId };
  }

  it('DELETE /auth/sessions/:id → 204 and that cookie is refused at once', async () => {
    const { a, b, bId } = await twoSessions();
    expect((await b.me()).res.status).toBe(200);
    const res = await a.send(`/auth/sessions/${bId}`, { method: 'DELETE', csrf: true });
    expect(res.status).toBe(204);
    const me = await b.me();
    expect(me.res.status).toBe(401);
    expect(me.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await a.me()).res.status).toBe(200);
    const again = await a.json(`/auth/sessions/${bId}`, { method: 'DELETE', csrf: true });
    expect(again.res.status).toBe(404);
  });

  it('POST /auth/sessions/:id/revoke (the account-page form) → 303 and that cookie is refused', async () => {
    const { a, b, bId } = await twoSessions();
    const res = await a.postForm(`/auth/sessions/${bId}/revoke`, {}, { csrfFrom: '/account' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/');
    expect((await b.me()).res.status).toBe(401);
    expect((await a.me()).res.status).toBe(200);
    const dash = await b.send('/dashboard', { browser: true });
    expect(dash.status).toBe(302);
  });

  it("another user's session id → 404, and that session still works", async () => {
    const { b, bId } = await twoSessions();
    const stranger = t.client();
    await stranger.signUp();
    const del = await stranger.json(`/auth/sessions/${bId}`, { method: 'DELETE', csrf: true });
    expect(del.res.status).toBe(404);
    expect(errorShape(del.body)).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    const form = await stranger.json(`/auth/sessions/${bId}/revoke`, { method: 'POST', json: {}, csrf: true });
    expect(form.res.status).toBe(404);
    expect((await b.me()).res.status).toBe(200);
    // an unknown or malformed id answers the same
    expect((await stranger.json(`/auth/sessions/${'0'.repeat(32)}`, { method: 'DELETE', csrf: true })).res.status).toBe(404);
    expect((await stranger.json(`/auth/sessions/not-an-id`, { method: 'DELETE', csrf: true })).res.status).toBe(404);
  });
});

describe('lifetimes (default: idle 2h, absolute 24h)', () => {
  it('idle timeout: alive after 1h59m of silence, dead after 2h', async () => {
    const c = t.client();
    await c.signUp();
    t.clock.advanceMs(2 * HOUR - MINUTE);
    expect((await c.me()).res.status).toBe(200);
    // sliding: the last request counts
    t.clock.advanceMs(2 * HOUR - MINUTE);
    expect((await c.me()).res.status).toBe(200);
    t.clock.advanceMs(2 * HOUR);
    const me = await c.me();
    expect(me.res.status).toBe(401);
    expect(me.body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
  });

  it('absolute lifetime: an active session still ends 24h after login', async () => {
    const c = t.client();
    await c.signUp();
    for (let hours = 1; hours < 24; hours++) {
      t.clock.advanceMs(HOUR);
      expect((await c.me()).res.status, `after ${hours}h`).toBe(200);
    }
    t.clock.advanceMs(HOUR);
    expect((await c.me()).res.status).toBe(401);
  });
});

describe('logout', () => {
  it('JSON: 204, clears the cookie, deletes the server-side session; the old cookie replayed → 401', async () => {
    const c = t.client();
    await c.signUp();
    const token = c.sessionToken!;
    expect(await t.stores.sessions.findSessionByTokenHash(sha256Hex(token))).toBeTruthy();
    const replay = c.clone();
    const res = await c.logout();
    expect(res.status).toBe(204);
    const cleared = sessionSetCookie(res);
    expect(cleared).toMatch(/^portcullis_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);
    expect(await t.stores.sessions.findSessionByTokenHash(sha256Hex(token))).toBeFalsy();
    const me = await replay.me();
    expect(me.res.status).toBe(401);
    expect(me.body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
  });

  it('form: 303 to / and the session is gone', async () => {
    const c = t.client();
    await c.signUp();
    const replay = c.clone();
    const res = await c.postForm('/auth/logout', {}, { csrfFrom: '/dashboard' });
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe('/');
    expect((await replay.me()).res.status).toBe(401);
  });

  it('the nav form at POST /logout reaches the same logout', async () => {
    const c = t.client();
    await c.signUp();
    const replay = c.clone();
    const token = await c.pageCsrf('/dashboard');
    const res = await c.postForm('/logout', { csrf_token: token });
    expect([303, 307]).toContain(res.status);
    if (res.status === 307) {
      expect(locationOf(res)).toBe('/auth/logout');
      const followed = await c.postForm('/auth/logout', { csrf_token: token });
      expect(followed.status).toBe(303);
    }
    expect((await replay.me()).res.status).toBe(401);
  });

  it('logging out one device leaves the others logged in', async () => {
    const email = uniqueEmail('multi');
    await t.client().signUp({ email });
    const a = t.client();
    const b = t.client();
    await a.login({ email });
    await b.login({ email });
    expect((await a.logout()).status).toBe(204);
    expect((await a.me()).res.status).toBe(401);
    expect((await b.me()).res.status).toBe(200);
  });

  it('a long idle gap a day later: the session is dead and /auth/sessions says so', async () => {
    const c = t.client();
    await c.signUp();
    t.clock.advanceMs(DAY);
    const { res, body } = await c.json('/auth/sessions');
    expect(res.status).toBe(401);
    expect(body).toEqual({ error: 'Authentication required', code: 'UNAUTHENTICATED' });
  });
});
