/**
 * @module Attack: registration as an enumeration oracle (GENERIC_RESPONSES, on while confirmation is
 * required). A new address, a taken address (any case) and a taken username answer the same
 * status, body and headers, JSON and form alike, over many interleaved rounds; each does the same
 * work on the request (one argon2id hash, no verification), counted through a wrapping hasher —
 * as the login enumeration test counts. What differs happens off the request: the owner of a
 * taken address gets "you already have an account", a taken username "choose another username",
 * a new address its confirmation link — and the owner's account is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../src/index.ts';
import { PASSWORD, errorShape, nextIp, uniqueEmail, uniqueUsername } from '../http/harness.ts';
import { createIdentityApp, subjectOf, type IdentityApp } from '../http/identity-helpers.ts';
import { headerPairs, jsonOf, rawRequest, sessionCookies } from './attack-helpers.ts';

interface CountingHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number };
}

function countingHasher(): CountingHasher {
  const inner = createPasswordHasher(undefined, { maxQueue: 100 });
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    hashPassword: (password) => {
      calls.hash += 1;
      return inner.hashPassword(password);
    },
    verifyPassword: (hash, password) => {
      calls.verify += 1;
      return inner.verifyPassword(hash, password);
    },
    verifyAgainstDummy: (password) => {
      calls.verify += 1;
      return inner.verifyAgainstDummy(password);
    },
  };
}

const ROUNDS = 6;
let app: IdentityApp;
let hasher: CountingHasher;
let ownerEmail: string;
let ownerName: string;
let ownerId: string;

beforeAll(async () => {
  hasher = countingHasher();
  app = await createIdentityApp('required', { hasher, rateLimits: { register: { count: 1_000, windowMs: 3_600_000 } }, identity: { mailRecipientBudget: { count: 1_000, windowMs: 3_600_000 } } });
  expect(app.t.auth.config.identity.genericResponses).toBe(true);
  ownerEmail = uniqueEmail('owner');
  ownerName = uniqueUsername('owner');
  ownerId = (await app.t.auth.admin.createUser({ email: ownerEmail, username: ownerName, password: PASSWORD }, { ip: '127.0.0.1', secure: false, userAgent: 'test' })).id;
});
afterAll(async () => {
  await app?.dispose();
});

function registerJson(body: Record<string, unknown>): Promise<Response> {
  return rawRequest(app.t.app, '/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }, nextIp());
}

describe('generic registration', () => {
  it('new address, taken address (any case), taken username: the same status, body and headers, and the same work, every round', async () => {
    const owner = await app.t.stores.users.findUserById(ownerId);
    const usersBefore = await app.t.userCount();
    const answers: Array<{ name: string; status: number; body: unknown; headers: Array<[string, string]>; hashes: number; verifies: number }> = [];
    const newAddresses: string[] = [];
    const takenNameAddresses: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const fresh = uniqueEmail('fresh');
      const nameTaker = uniqueEmail('name-taker');
      newAddresses.push(fresh);
      takenNameAddresses.push(nameTaker);
      const cases: Array<[string, Record<string, unknown>]> = [
        ['new address', { email: fresh, password: 'attacker-chosen-password-1' }],
        ['taken address', { email: ownerEmail, password: 'attacker-chosen-password-1' }],
        ['taken address, other case', { email: ownerEmail.toUpperCase(), password: 'attacker-chosen-password-1' }],
        ['taken username', { email: nameTaker, username: ownerName, password: 'attacker-chosen-password-1' }],
        ['taken address and username', { email: ownerEmail, username: ownerName, password: 'attacker-chosen-password-1' }],
      ];
      // A different order each round, so nothing rides on position.
      for (const [name, body] of round % 2 === 0 ? cases : [...cases].reverse()) {
        const before = { ...hasher.calls };
        const res = await registerJson(body);
        answers.push({
          name,
          status: res.status,
          body: await jsonOf(res),
          headers: headerPairs(res),
          hashes: hasher.calls.hash - before.hash,
          verifies: hasher.calls.verify - before.verify,
        });
        expect(sessionCookies(res), name).toEqual([]);
      }
    }
    const [first] = answers;
    expect(first?.status).toBe(202);
    expect(first?.body).toEqual({ message: 'Check your e-mail to finish signing up.' });
    for (const a of answers) {
      expect({ status: a.status, body: a.body, headers: a.headers, hashes: a.hashes, verifies: a.verifies }, a.name).toEqual({
        status: first?.status,
        body: first?.body,
        headers: first?.headers,
        hashes: 1,
        verifies: 0,
      });
    }

    await app.t.auth.flush();
    // Only the new addresses became accounts; the owner's is as it was.
    expect(await app.t.userCount()).toBe(usersBefore + ROUNDS);
    const after = await app.t.stores.users.findUserById(ownerId);
    expect({ hash: after?.passwordHash, uniquifier: after?.uniquifier, email: after?.email }).toEqual({ hash: owner?.passwordHash, uniquifier: owner?.uniquifier, email: owner?.email });
    for (const email of takenNameAddresses) expect(await app.t.stores.users.findUserByEmailKey(email.toLowerCase())).toBeUndefined();

    // The mails say what the answers did not.
    for (const email of newAddresses) expect((await app.mailTo(email)).map(subjectOf)).toEqual(['Confirm your e-mail address']);
    for (const email of takenNameAddresses) expect((await app.mailTo(email)).map(subjectOf)).toEqual(['Choose another username']);
    const ownerMail = await app.mailTo(ownerEmail);
    expect(ownerMail).toHaveLength(3 * ROUNDS);
    expect(new Set(ownerMail.map(subjectOf))).toEqual(new Set(['You already have an account']));
    // The owner can still sign in with the old password; the attacker's does nothing.
    expect((await app.t.client().login({ email: ownerEmail })).res.status).toBe(200);
    expect((await app.t.client().login({ email: ownerEmail, password: 'attacker-chosen-password-1' })).res.status).toBe(401);
  });

  it('forms too: the same 303 and headers for a new and a taken address', async () => {
    const pages: Array<{ status: number; location: string | null; cookies: string[] }> = [];
    for (const email of [uniqueEmail('form-new'), ownerEmail]) {
      const browser = app.t.client();
      const token = await browser.pageCsrf('/register');
      const res = await browser.postForm('/auth/register', { email, password: 'attacker-chosen-password-1', csrf_token: token });
      pages.push({ status: res.status, location: res.headers.get('location'), cookies: res.headers.getSetCookie().map((c) => c.split('=')[0] ?? '') });
    }
    expect(pages[0]).toEqual({ status: 303, location: '/login', cookies: ['portcullis_flash'] });
    expect(pages[1]).toEqual(pages[0]);
  });

  it('input and password-policy errors still answer 400 with fields, for a taken address as for a new one, and write nothing', async () => {
    await app.t.auth.flush();
    const before = await app.t.userCount();
    for (const email of [ownerEmail, uniqueEmail('weak')]) {
      const weak = await registerJson({ email, password: 'password' });
      expect(weak.status).toBe(400);
      expect(errorShape(await jsonOf(weak)).fields).toHaveProperty('password');
    }
    const bad = await registerJson({ email: 'Ann <ann@example.com>', password: 'attacker-chosen-password-1' });
    expect(bad.status).toBe(400);
    expect(errorShape(await jsonOf(bad)).fields).toHaveProperty('email');
    await app.t.auth.flush();
    expect(await app.t.userCount()).toBe(before);
  });

  it('20 concurrent registrations of one new address: one account, the rest told they have one', async () => {
    const email = uniqueEmail('concurrent');
    const before = await app.t.userCount();
    const responses = await Promise.all(Array.from({ length: 20 }, () => registerJson({ email, password: 'attacker-chosen-password-1' })));
    expect(responses.every((r) => r.status === 202)).toBe(true);
    await app.t.auth.flush();
    expect(await app.t.userCount()).toBe(before + 1);
    const subjects = (await app.mailTo(email)).map(subjectOf);
    expect(subjects.filter((s) => s === 'Confirm your e-mail address')).toHaveLength(1);
    expect(subjects.filter((s) => s === 'You already have an account')).toHaveLength(19);
  });
});
