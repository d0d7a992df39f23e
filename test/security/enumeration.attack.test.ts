/**
 * @module Attack suite — account enumeration: unknown identity, wrong password and inactive
 * account answer the same status, body and headers on every credential route; the unknown
 * identity still costs one argon2id verification (counted through a wrapping hasher); a taken
 * e-mail at registration is the one documented place existence shows, and it changes nothing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../src/index.ts';
import { PASSWORD, createTestApp, nextIp, uniqueEmail, uniqueUsername, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { INVALID_CREDENTIALS, UNAUTHENTICATED, basicHeader, headerPairs, jsonLogin, jsonOf, sessionCookies, sessionCount } from './attack-helpers.ts';

const T0 = Date.UTC(2030, 2, 3, 4, 5, 6);
const WRONG = 'definitely-not-it-42';

interface CountingHasher extends PasswordHasher {
  readonly calls: { verifyPassword: number; verifyAgainstDummy: number; hashPassword: number };
}

function countingHasher(): CountingHasher {
  const inner = createPasswordHasher();
  const calls = { verifyPassword: 0, verifyAgainstDummy: 0, hashPassword: 0 };
  return {
    calls,
    hashPassword: (password) => {
      calls.hashPassword += 1;
      return inner.hashPassword(password);
    },
    verifyPassword: (hash, password) => {
      calls.verifyPassword += 1;
      return inner.verifyPassword(hash, password);
    },
    verifyAgainstDummy: (password) => {
      calls.verifyAgainstDummy += 1;
      return inner.verifyAgainstDummy(password);
    },
  };
}

let t: TestApp;
let hasher: CountingHasher;
let active: PublicUserBody;
let inactive: PublicUserBody;
let activeName: string;

beforeAll(async () => {
  hasher = countingHasher();
  t = await createTestApp({ hasher });
});

/** Fresh accounts for every test: failures accumulate per identity (lockout), and Date is frozen. */
beforeEach(async () => {
  activeName = uniqueUsername('alive');
  active = await t.client().signUp({ username: activeName });
  inactive = await t.client().signUp({ username: uniqueUsername('gone') });
  await t.stores.users.setUserActive(inactive.id, false, t.clock.nowMs());
});
afterAll(async () => {
  await t?.dispose();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs one login and reports which hasher calls it made. */
async function measured(send: () => Promise<Response>): Promise<{ res: Response; calls: { verifyPassword: number; verifyAgainstDummy: number } }> {
  const before = { ...hasher.calls };
  const res = await send();
  return { res, calls: { verifyPassword: hasher.calls.verifyPassword - before.verifyPassword, verifyAgainstDummy: hasher.calls.verifyAgainstDummy - before.verifyAgainstDummy } };
}

describe('JSON login: unknown identity vs wrong password vs inactive account', () => {
  it('identical status, body and headers (each from its own IP, so RateLimit-Remaining matches)', async () => {
    const cases = {
      unknown: () => jsonLogin(t, nextIp(), uniqueEmail('nobody'), PASSWORD),
      wrongPassword: () => jsonLogin(t, nextIp(), active.email, WRONG),
      inactiveRightPassword: () => jsonLogin(t, nextIp(), inactive.email, PASSWORD),
      inactiveWrongPassword: () => jsonLogin(t, nextIp(), inactive.email, WRONG),
      unknownUsername: () => jsonLogin(t, nextIp(), uniqueUsername('nobody'), PASSWORD),
      wrongPasswordByUsername: () => jsonLogin(t, nextIp(), activeName, WRONG),
    };
    const sessionsBefore = [await sessionCount(t, active.id), await sessionCount(t, inactive.id)];
    const answers: Array<{ name: string; status: number; body: unknown; headers: Array<[string, string]> }> = [];
    for (const [name, send] of Object.entries(cases)) {
      const res = await send();
      answers.push({ name, status: res.status, headers: headerPairs(res), body: await jsonOf(res) });
      expect(sessionCookies(res), name).toEqual([]);
    }
    const [first, ...rest] = answers;
    expect(first?.status).toBe(401);
    expect(first?.body).toEqual(INVALID_CREDENTIALS);
    for (const answer of rest) {
      expect({ status: answer.status, body: answer.body, headers: answer.headers }, `${answer.name} vs ${first?.name}`).toEqual({ status: first?.status, body: first?.body, headers: first?.headers });
    }
    expect([await sessionCount(t, active.id), await sessionCount(t, inactive.id)]).toEqual(sessionsBefore);
  });

  it('the unknown identity still performs one argon2id verification (against the dummy hash)', async () => {
    const unknown = await measured(() => jsonLogin(t, nextIp(), uniqueEmail('nobody'), PASSWORD));
    expect(unknown.res.status).toBe(401);
    expect(unknown.calls).toEqual({ verifyPassword: 0, verifyAgainstDummy: 1 });
    const unknownName = await measured(() => jsonLogin(t, nextIp(), uniqueUsername('nobody'), PASSWORD));
    expect(unknownName.calls).toEqual({ verifyPassword: 0, verifyAgainstDummy: 1 });
    const wrong = await measured(() => jsonLogin(t, nextIp(), active.email, WRONG));
    expect(wrong.res.status).toBe(401);
    expect(wrong.calls).toEqual({ verifyPassword: 1, verifyAgainstDummy: 0 });
    const gone = await measured(() => jsonLogin(t, nextIp(), inactive.email, PASSWORD));
    expect(gone.res.status).toBe(401);
    expect(gone.calls).toEqual({ verifyPassword: 1, verifyAgainstDummy: 0 });
    // Exactly one verification either way: the work done does not depend on existence.
    for (const m of [unknown, unknownName, wrong, gone]) expect(m.calls.verifyPassword + m.calls.verifyAgainstDummy).toBe(1);
  });

  it('an inactive account with the right password gets no session', async () => {
    const before = await sessionCount(t, inactive.id);
    const res = await jsonLogin(t, nextIp(), inactive.email, PASSWORD);
    expect(res.status).toBe(401);
    expect(await jsonOf(res)).toEqual(INVALID_CREDENTIALS);
    expect(sessionCookies(res)).toEqual([]);
    expect(await sessionCount(t, inactive.id)).toBe(before);
  });
});

describe('form login and Basic auth tell nothing either', () => {
  it('form login: the same 401 page (modulo the echoed identity and the form token) and headers', async () => {
    const pages: Array<{ name: string; status: number; html: string; headers: Array<[string, string]> }> = [];
    for (const [name, email, password] of [
      ['unknown', uniqueEmail('nobody'), PASSWORD],
      ['wrong password', active.email, WRONG],
      ['inactive', inactive.email, PASSWORD],
    ] as const) {
      const browser = t.client();
      const token = await browser.pageCsrf('/login');
      const res = await browser.postForm('/auth/login', { email, password, csrf_token: token });
      const html = (await res.text()).split(email).join('<IDENTITY>').split(token).join('<TOKEN>');
      pages.push({ name, status: res.status, html, headers: headerPairs(res) });
      expect(sessionCookies(res), name).toEqual([]);
    }
    const [first, ...rest] = pages;
    expect(first?.status).toBe(401);
    expect(first?.html).toContain('Invalid credentials');
    for (const page of rest) expect({ status: page.status, html: page.html, headers: page.headers }, page.name).toEqual({ status: first?.status, html: first?.html, headers: first?.headers });
  });

  it('Basic on /auth/me: the same 401 and challenge, and one verification each', async () => {
    const answers: Array<{ name: string; status: number; body: unknown; headers: Array<[string, string]>; work: number }> = [];
    for (const [name, identity, password] of [
      ['unknown', uniqueEmail('nobody'), PASSWORD],
      ['wrong password', active.email, WRONG],
      ['inactive', inactive.email, PASSWORD],
    ] as const) {
      const m = await measured(() => t.request('/auth/me', { headers: { authorization: basicHeader(identity, password), accept: 'application/json' } }, nextIp()));
      answers.push({ name, status: m.res.status, headers: headerPairs(m.res), body: await jsonOf(m.res), work: m.calls.verifyPassword + m.calls.verifyAgainstDummy });
    }
    const [first, ...rest] = answers;
    expect(first?.status).toBe(401);
    expect(first?.body).toEqual(UNAUTHENTICATED);
    expect(first?.headers.find(([n]) => n === 'www-authenticate')?.[1]).toMatch(/^Basic realm=/);
    for (const a of answers) expect(a.work, a.name).toBe(1);
    for (const a of rest) expect({ status: a.status, body: a.body, headers: a.headers }, a.name).toEqual({ status: first?.status, body: first?.body, headers: first?.headers });
  });
});

describe('registration: the one documented place existence shows', () => {
  it('a taken e-mail → 400 naming the e-mail field; no user, no session, the owner’s password untouched', async () => {
    const owner = await t.stores.users.findUserById(active.id);
    const users = await t.userCount();
    const sessions = await sessionCount(t, active.id);
    for (const email of [active.email, active.email.toUpperCase(), `  ${active.email} `]) {
      const res = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'attacker-chosen-password-1' }) }, nextIp());
      expect(res.status, email).toBe(400);
      expect(await jsonOf(res)).toEqual({ error: 'Invalid input', code: 'INVALID_INPUT', fields: { email: 'An account with this e-mail already exists' } });
      expect(sessionCookies(res)).toEqual([]);
    }
    expect(await t.userCount()).toBe(users);
    expect(await sessionCount(t, active.id)).toBe(sessions);
    const after = await t.stores.users.findUserById(active.id);
    expect(after?.passwordHash).toBe(owner?.passwordHash);
    expect(after?.uniquifier).toBe(owner?.uniquifier);
    expect((await jsonLogin(t, nextIp(), active.email, 'attacker-chosen-password-1')).status).toBe(401);
    expect((await jsonLogin(t, nextIp(), active.email, PASSWORD)).status).toBe(200);
  });
});
