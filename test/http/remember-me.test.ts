/** @module HTTP: "remember me" extends only the absolute session lifetime (short lifetimes configured: idle 1h, absolute 3h, remember 6h). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE, PASSWORD, SESSION_COOKIE, createTestApp, uniqueEmail, type TestApp } from './harness.ts';

function sessionSetCookie(res: Response): string {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return line;
}

describe('remember me (separate app: idle 1h, absolute 3h, remember 6h)', () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await createTestApp({ session: { idleTimeoutMs: HOUR, maxAgeMs: 3 * HOUR, rememberMeMaxAgeMs: 6 * HOUR } });
  });
  afterAll(async () => {
    await r?.dispose();
  });

  async function keepAlive(c: ReturnType<TestApp['client']>, totalMs: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let elapsed = 0; elapsed < totalMs; elapsed += 30 * MINUTE) {
      r.clock.advanceMs(30 * MINUTE);
      statuses.push((await c.me()).res.status);
    }
    return statuses;
  }

  it('without remember: dead at 3h however active', async () => {
    const email = uniqueEmail('noremember');
    await r.client().signUp({ email });
    const c = r.client();
    await c.login({ email });
    const statuses = await keepAlive(c, 3 * HOUR);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(401);
  });

  it('with remember: a persistent cookie (Max-Age = remember lifetime); alive past 3h, dead at 6h', async () => {
    const email = uniqueEmail('remember');
    await r.client().signUp({ email });
    const c = r.client();
    const { res } = await c.login({ email, remember: true });
    const line = sessionSetCookie(res);
    expect(line).toMatch(/Max-Age=21600(;|$)/);
    const statuses = await keepAlive(c, 6 * HOUR);
    expect(statuses.slice(0, 11)).toEqual(Array(11).fill(200));
    expect(statuses.at(-1)).toBe(401);
  });

  it('with remember: the idle timeout still applies', async () => {
    const email = uniqueEmail('rememberidle');
    await r.client().signUp({ email });
    const c = r.client();
    await c.login({ email, remember: true });
    r.clock.advanceMs(HOUR);
    expect((await c.me()).res.status).toBe(401);
  });

  it('remember from a form checkbox (`on`)', async () => {
    const email = uniqueEmail('rememberform');
    await r.client().signUp({ email });
    const c = r.client();
    const res = await c.postForm('/auth/login', { email, password: PASSWORD, remember: 'on' }, { csrfFrom: '/login' });
    expect(res.status).toBe(303);
    expect(sessionSetCookie(res)).toMatch(/Max-Age=21600/);
  });
});

