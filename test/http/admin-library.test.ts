/**
 * `auth.admin` called as a library: importUser holds an imported account to registration's rules
 * (and refuses hashes it could not verify), upsertRole checks what it writes, and the user views
 * never carry a password hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type ClientInfo, type Principal } from '../../src/index.ts';
import { bcryptHash } from '../../src/testing/bcrypt-hash.ts';
import { createTestApp, PASSWORD, uniqueEmail, type TestApp } from './harness.ts';

const CLIENT: ClientInfo = { ip: '10.44.0.1', userAgent: 'admin-library-test', secure: false };
const ACTOR: Principal = {
  user: { id: 'library-admin', email: 'library-admin', emailKey: 'library-admin', username: null, usernameKey: null, passwordHash: '', active: true, uniquifier: '', createdAtMs: 0, updatedAtMs: 0, lastLoginAtMs: null, emailConfirmedAtMs: null },
  authorization: { roles: ['admin'], permissions: [] },
  via: 'session',
  session: null,
};

let t: TestApp;
let legacyHash: string;

beforeAll(async () => {
  t = await createTestApp();
  legacyHash = await bcryptHash(PASSWORD, { cost: 4, version: '2b' });
});
afterAll(async () => {
  await t?.dispose();
});

/** The AuthError a call rejects with (fails the test when it resolves). */
async function refusal(call: Promise<unknown>): Promise<AuthError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('auth.admin.importUser', () => {
  it('creates an account that logs in with its old password, which is then re-hashed to argon2id', async () => {
    const email = uniqueEmail('imported');
    const { user, format } = await t.auth.admin.importUser({ email, username: null, passwordHash: legacyHash }, CLIENT);
    expect(format).toBe('bcrypt');
    expect(user).toMatchObject({ email, roles: [], active: true });
    await t.auth.sessions.login({ email, password: PASSWORD }, CLIENT);
    expect((await t.stores.users.findUserById(user.id))?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('refuses an address that is taken (in any case) with the error registration gives; nothing is written', async () => {
    const email = uniqueEmail('taken');
    await t.auth.admin.createUser({ email, password: PASSWORD }, CLIENT);
    const before = await t.userCount();
    const imported = await refusal(t.auth.admin.importUser({ email: email.toUpperCase(), passwordHash: legacyHash }, CLIENT));
    const registered = await refusal(t.auth.sessions.register({ email: email.toUpperCase(), password: PASSWORD }, CLIENT));
    expect(imported.code).toBe('INVALID_INPUT');
    expect(imported.fields).toEqual(registered.fields);
    expect(await t.userCount()).toBe(before);
  });

  it('refuses a hash it could not verify — unknown, malformed, or argon2id above the caps — naming the field; nothing is written', async () => {
    const before = await t.userCount();
    for (const passwordHash of ['5f4dcc3b5aa765d61d8327deb882cf99', '$argon2id$v=19$garbage', '$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g', '', 42]) {
      const error = await refusal(t.auth.admin.importUser({ email: uniqueEmail('badhash'), passwordHash }, CLIENT));
      expect(error.code).toBe('INVALID_INPUT');
      expect(Object.keys(error.fields ?? {})).toEqual(['password_hash']);
    }
    expect(await t.userCount()).toBe(before);
  });
});

describe('auth.admin.upsertRole', () => {
  it('creates, then updates; a bad name or permission is INVALID_INPUT, and nothing is written or audited', async () => {
    expect(await t.auth.admin.upsertRole(ACTOR, { name: 'reviewer', description: 'Reviews', permissions: ['docs:read'] }, CLIENT)).toBe('created');
    expect(await t.auth.admin.upsertRole(ACTOR, { name: 'reviewer', description: 'Reviews more', permissions: ['docs:read', 'docs:read', 'docs:comment'] }, CLIENT)).toBe('updated');
    const reviewer = (await t.auth.admin.listRoles()).find((role) => role.name === 'reviewer');
    expect(reviewer?.description).toBe('Reviews more');
    expect([...(reviewer?.permissions ?? [])].sort()).toEqual(['docs:comment', 'docs:read']);

    const rolesBefore = await t.auth.admin.listRoles();
    const auditBefore = (await t.auth.admin.listAudit({ event: 'role.upserted', offset: 0, limit: 50 })).total;
    for (const bad of [
      { name: 'Reviewer', description: '', permissions: [] },
      { name: 'x'.repeat(65), description: '', permissions: [] },
      { name: 'reviewer', description: '', permissions: ['docs read'] },
      { name: 'reviewer', description: 'bell\u0007', permissions: [] },
    ]) {
      expect((await refusal(t.auth.admin.upsertRole(ACTOR, bad, CLIENT))).code).toBe('INVALID_INPUT');
    }
    expect(await t.auth.admin.listRoles()).toEqual(rolesBefore);
    expect((await t.auth.admin.listAudit({ event: 'role.upserted', offset: 0, limit: 50 })).total).toBe(auditBefore);
  });
});

describe('user views', () => {
  it('listUsers and findUser (by id, e-mail or username, any case) never carry a hash or the uniquifier', async () => {
    const email = uniqueEmail('viewed');
    const created = await t.auth.admin.createUser({ email, username: 'viewed_user', password: PASSWORD }, CLIENT);
    for (const query of [{ id: created.id }, { email: email.toUpperCase() }, { username: 'VIEWED_USER' }]) {
      const found = await t.auth.admin.findUser(query);
      expect(found?.user).toEqual(created);
      expect(JSON.stringify(found)).not.toMatch(/argon2|passwordHash|uniquifier/);
    }
    expect(await t.auth.admin.findUser({ id: 'not-an-id' })).toBeUndefined();
    const page = await t.auth.admin.listUsers({ search: 'viewed', offset: 0, limit: 10 });
    expect(Object.keys(page).sort()).toEqual(['rows', 'total']);
    expect(JSON.stringify(page)).not.toMatch(/argon2|passwordHash|uniquifier/);
  });
});
