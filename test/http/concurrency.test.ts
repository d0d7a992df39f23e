/** @module HTTP under concurrency: one user per e-mail however many race; request-scoped identity. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, shuffled, uniqueEmail, type Client, type PublicUserBody, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  // These races need every request to reach its hash, beyond the default queue (4 per thread): the
  // bounded queue itself is tested in test/security/hash-queue.attack.test.ts.
  t = await createTestApp({ password: { hashing: { maxQueue: 1_000 } } });
});
afterAll(async () => {
  await t?.dispose();
});

describe('duplicate registration under concurrency', () => {
  it('20 concurrent registrations of one e-mail → exactly one 201 and one user', async () => {
    const email = uniqueEmail('race');
    const before = await t.userCount();
    const spellings = [email, email.toUpperCase(), ` ${email}`, email.replace(/^./, (ch) => ch.toUpperCase())];
    const clients = Array.from({ length: 20 }, () => t.client());
    const results = await Promise.all(clients.map((c, i) => c.register({ email: spellings[i % spellings.length], password: PASSWORD })));
    const statuses = results.map((r) => r.res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 201 && s !== 400)).toEqual([]);
    for (const r of results.filter((r) => r.res.status === 400)) {
      expect(r.body).toMatchObject({ code: 'INVALID_INPUT', fields: { email: expect.any(String) } });
    }
    expect(clients.filter((c) => c.sessionToken !== undefined)).toHaveLength(1);
    expect(await t.userCount()).toBe(before + 1);
    const page = await t.stores.users.listUsers({ search: email.split('@')[0], offset: 0, limit: 50 });
    expect(page.users.filter((u) => u.emailKey === email.toLowerCase())).toHaveLength(1);
  });

  it('10 concurrent registrations of one username → exactly one wins', async () => {
    const username = `racer_${Date.now().toString(36)}`;
    const before = await t.userCount();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.client().register({ email: uniqueEmail(`u${i}`), username: i % 2 ? username : username.toUpperCase() })));
    expect(results.filter((r) => r.res.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.res.status !== 201).every((r) => r.res.status === 400 && (r.body as { fields?: Record<string, string> }).fields?.username)).toBe(true);
    expect(await t.userCount()).toBe(before + 1);
  });
});

describe('request-scoped identity', () => {
  const USERS = 20;
  const ROUNDS = 20;
  let people: Array<{ client: Client; user: PublicUserBody }>;

  beforeAll(async () => {
    people = [];
    for (let i = 0; i < USERS; i++) {
      const client = t.client({ userAgent: `Agent ${i}` });
      const user = await client.signUp({ email: uniqueEmail(`who${i}`), username: `who_${i}_${Date.now().toString(36)}` });
      people.push({ client, user });
    }
  });

  it(`${USERS * ROUNDS} interleaved concurrent /auth/me calls: every response names its own user`, async () => {
    const jobs = shuffled(
      people.flatMap((p) => Array.from({ length: ROUNDS }, () => p)),
      7,
    );
    const results = await Promise.all(
      jobs.map(async (p) => {
        const { res, body } = await p.client.me();
        return { expected: p.user, status: res.status, got: body.user };
      }),
    );
    expect(results).toHaveLength(USERS * ROUNDS);
    const wrong = results.filter((r) => r.status !== 200 || r.got?.id !== r.expected.id || r.got?.email !== r.expected.email);
    expect(wrong).toEqual([]);
  });

  it('interleaved pages, session lists and JSON: every response is about its own user', async () => {
    const jobs = shuffled(
      people.flatMap((p) => [
        { p, kind: 'me' as const },
        { p, kind: 'dashboard' as const },
        { p, kind: 'sessions' as const },
        { p, kind: 'csrf' as const },
      ]),
      99,
    );
    const repeated = [...jobs, ...shuffled(jobs, 3), ...shuffled(jobs, 11)];
    const outcomes = await Promise.all(
      repeated.map(async ({ p, kind }) => {
        if (kind === 'me') {
          const { body } = await p.client.me();
          return body.user?.id === p.user.id;
        }
        if (kind === 'dashboard') {
          const res = await p.client.send('/dashboard', { browser: true });
          const html = await res.text();
          const others = people.filter((o) => o !== p && html.includes(o.user.email));
          return res.status === 200 && html.includes(p.user.email) && others.length === 0;
        }
        if (kind === 'sessions') {
          const { res, body } = await p.client.json<{ sessions: Array<{ user_agent: string; current: boolean }> }>('/auth/sessions');
          const current = body.sessions.find((s) => s.current);
          return res.status === 200 && current?.user_agent === p.client.userAgent && body.sessions.every((s) => s.user_agent === p.client.userAgent);
        }
        const token = await p.client.fetchCsrf();
        // passes CSRF (the token is this session's) and then finds no such session: 404, never 403
        const check = await p.client.json(`/auth/sessions/${'0'.repeat(32)}`, { method: 'DELETE', headers: { 'x-csrf-token': token } });
        return check.res.status === 404;
      }),
    );
    expect(outcomes.filter((ok) => !ok)).toEqual([]);
  });

  it('concurrent logins and logouts of different users do not cross', async () => {
    const subset = people.slice(0, 10);
    const fresh = subset.map((p) => ({ p, c: t.client({ userAgent: p.client.userAgent }) }));
    const logins = await Promise.all(fresh.map(({ p, c }) => c.login({ email: p.user.email })));
    logins.forEach((l, i) => {
      expect(l.body.user.id).toBe(fresh[i]!.p.user.id);
    });
    const mixed = shuffled([...fresh.map(({ c }) => () => c.logout()), ...subset.map((p) => () => p.client.me().then((r) => r.res))], 5);
    await Promise.all(mixed.map((job) => job()));
    for (const { c } of fresh) expect((await c.me()).res.status).toBe(401);
    for (const p of subset) expect((await p.client.me()).body.user?.id).toBe(p.user.id);
  });
});
