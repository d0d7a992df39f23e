/**
 * @module HTTP: imported legacy hashes (Werkzeug, Django, passlib / Flask-Security, bcrypt), made in
 * the test with node:crypto / bcrypt exactly as the original systems make them, log in over HTTP and
 * are upgraded to argon2id at that login; a wrong password leaves the stored hash untouched. And a
 * change of argon2 parameters re-hashes at the next successful login (`password.rehashed`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/index.ts';
import { flaskSecurityPasswordHmac } from '../../src/features/passwords/index.ts';
import { emailKey } from '../../src/features/identity/index.ts';
import { createTestApp, uniqueEmail, type TestApp } from './harness.ts';
import { appOnStores, bcryptOf, djangoPbkdf2Sha256, passlibPbkdf2Sha512, werkzeugPbkdf2Sha256, werkzeugScrypt } from './password-helpers.ts';

const OWASP_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';
const PASSWORD = 'tangerine submarine 1987 lighthouse';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.dispose();
});

/** A user as an import script would create it: straight into the store, with the foreign hash. */
async function importUser(app: TestApp, passwordHash: string, email = uniqueEmail('legacy')): Promise<{ id: string; email: string }> {
  const id = `imp_${randomBytes(8).toString('hex')}`;
  await app.stores.users.createUser({
    id,
    email,
    emailKey: emailKey(email),
    username: null,
    usernameKey: null,
    passwordHash,
    uniquifier: randomBytes(16).toString('base64url'),
    nowMs: app.clock.nowMs(),
  });
  return { id, email };
}

async function storedHash(app: TestApp, id: string): Promise<string> {
  const user = await app.stores.users.findUserById(id);
  if (!user) throw new Error(`no user ${id}`);
  return user.passwordHash;
}

async function loginStatus(app: TestApp, email: string, password: string): Promise<number> {
  return (await app.client().login({ email, password })).res.status;
}

async function rehashedEvents(app: TestApp, userId: string): Promise<number> {
  return (await app.auth.admin.listAudit({ event: 'password.rehashed', userId, offset: 0, limit: 50 })).total;
}

/** Wrong password first (401, hash unchanged, nothing audited), then the right one (200, argon2id now). */
async function expectUpgradeAtLogin(legacyHash: string, password = PASSWORD): Promise<void> {
  const { id, email } = await importUser(t, legacyHash);

  expect(await loginStatus(t, email, `${password}!`)).toBe(401);
  expect(await loginStatus(t, email, password.toUpperCase())).toBe(401);
  expect(await storedHash(t, id)).toBe(legacyHash);
  expect(await rehashedEvents(t, id)).toBe(0);

  expect(await loginStatus(t, email, password)).toBe(200);
  const upgraded = await storedHash(t, id);
  expect(upgraded.startsWith(OWASP_PREFIX)).toBe(true);
  expect(await rehashedEvents(t, id)).toBe(1);

  // The upgraded hash is what logs in now; a second login does not re-hash again.
  expect(await loginStatus(t, email, password)).toBe(200);
  expect(await storedHash(t, id)).toBe(upgraded);
  expect(await rehashedEvents(t, id)).toBe(1);
  expect(await loginStatus(t, email, `${password}!`)).toBe(401);
}

describe('legacy hashes: verified at login, then upgraded to argon2id (OWASP parameters)', () => {
  it('Werkzeug pbkdf2:sha256:600000$salt$hex (Flask, werkzeug.security default before 2.3)', async () => {
    const legacy = werkzeugPbkdf2Sha256(PASSWORD, 600_000);
    expect(legacy).toMatch(/^pbkdf2:sha256:600000\$[^$]+\$[0-9a-f]{64}$/);
    await expectUpgradeAtLogin(legacy);
  });

  it('Werkzeug scrypt:32768:8:1$salt$hex (werkzeug.security default since 2.3)', async () => {
    const legacy = werkzeugScrypt(PASSWORD);
    expect(legacy).toMatch(/^scrypt:32768:8:1\$[^$]+\$[0-9a-f]{128}$/);
    await expectUpgradeAtLogin(legacy);
  });

  it('Django pbkdf2_sha256$870000$salt$base64', async () => {
    const legacy = djangoPbkdf2Sha256(PASSWORD, 870_000);
    expect(legacy).toMatch(/^pbkdf2_sha256\$870000\$[A-Za-z0-9]+\$[A-Za-z0-9+/]{43}=$/);
    await expectUpgradeAtLogin(legacy);
  });

  it('Django argon2$argon2id$… (argon2-cffi encoding, Django\'s parameters m=102400, t=2, p=8)', async () => {
    const phc = await argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 102_400, timeCost: 2, parallelism: 8 });
    const legacy = `argon2${phc}`;
    expect(legacy).toMatch(/^argon2\$argon2id\$v=19\$m=102400,t=2,p=8\$/);
    await expectUpgradeAtLogin(legacy);
  });

  it('passlib $pbkdf2-sha512$25000$ab64salt$ab64checksum', async () => {
    const legacy = passlibPbkdf2Sha512(PASSWORD, 25_000);
    expect(legacy).toMatch(/^\$pbkdf2-sha512\$25000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
    await expectUpgradeAtLogin(legacy);
  });

  it('bcrypt $2b$12$ (Devise default cost), and the $2a$ / $2y$ spellings', async () => {
    await expectUpgradeAtLogin(await bcryptOf(PASSWORD, 12, '2b'));
    await expectUpgradeAtLogin(await bcryptOf(PASSWORD, 10, '2a'));
    await expectUpgradeAtLogin(await bcryptOf(PASSWORD, 10, '2y'));
  });

  it('a legacy hash of a non-ASCII password (hashed as typed, composed): logs in, then both spellings work after the upgrade', async () => {
    const password = 'Ångström-Café-🔒-harbor';
    const legacy = werkzeugPbkdf2Sha256(password, 50_000);
    const { id, email } = await importUser(t, legacy);
    expect(await loginStatus(t, email, password)).toBe(200);
    expect((await storedHash(t, id)).startsWith(OWASP_PREFIX)).toBe(true);
    expect(await loginStatus(t, email, password.normalize('NFD'))).toBe(200);
  });

  it('a malformed / unknown-format stored hash never logs in, whatever the password', async () => {
    for (const broken of ['pbkdf2:sha256:600000$salt$zz', 'md5$abc$def', '', '$2b$12$short']) {
      const { id, email } = await importUser(t, broken);
      expect(await loginStatus(t, email, PASSWORD)).toBe(401);
      expect(await storedHash(t, id)).toBe(broken);
    }
  });
});

describe('Flask-Security pre-hash (transformLegacyPassword)', () => {
  const SALT = 'flask-security-password-salt-from-config';
  let flask: TestApp;
  beforeAll(async () => {
    flask = await createTestApp({ transformLegacyPassword: (password) => flaskSecurityPasswordHmac(password, SALT) });
  });
  afterAll(async () => {
    await flask?.dispose();
  });

  it('pbkdf2_sha512(base64(HMAC-SHA512(salt, password))) logs in and is upgraded; a wrong password changes nothing', async () => {
    // Flask-Security get_hmac(), computed here independently of the library.
    const prehashed = createHmac('sha512', SALT).update(PASSWORD, 'utf8').digest('base64');
    const legacy = passlibPbkdf2Sha512(prehashed, 25_000);
    const { id, email } = await importUser(flask, legacy);
    expect(await loginStatus(flask, email, 'not the password at all')).toBe(401);
    expect(await storedHash(flask, id)).toBe(legacy);
    expect(await loginStatus(flask, email, PASSWORD)).toBe(200);
    expect((await storedHash(flask, id)).startsWith(OWASP_PREFIX)).toBe(true);
    expect(await rehashedEvents(flask, id)).toBe(1);
  });
});

describe('argon2 parameters changed: the next successful login re-hashes', () => {
  it('a user hashed at m=8192,t=1,p=1 by one deploy is re-hashed to m=19456,t=2,p=1 by the next; a wrong password first changes nothing', async () => {
    const old = await createTestApp({ hasher: createPasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 }) });
    try {
      const email = uniqueEmail('params');
      const user = await old.client().signUp({ email, password: PASSWORD });
      const weakHash = await storedHash(old, user.id);
      expect(weakHash.startsWith('$argon2id$v=19$m=8192,t=1,p=1$')).toBe(true);

      const next = appOnStores(old.stores);
      expect(await loginStatus(next, email, 'wrong horse battery staple')).toBe(401);
      expect(await storedHash(next, user.id)).toBe(weakHash);

      expect(await loginStatus(next, email, PASSWORD)).toBe(200);
      const strong = await storedHash(next, user.id);
      expect(strong.startsWith(OWASP_PREFIX)).toBe(true);
      const events = await next.auth.admin.listAudit({ event: 'password.rehashed', userId: user.id, offset: 0, limit: 50 });
      expect(events.total).toBe(1);

      // Current parameters: no further re-hash.
      expect(await loginStatus(next, email, PASSWORD)).toBe(200);
      expect(await storedHash(next, user.id)).toBe(strong);
    } finally {
      await old.dispose();
    }
  });
});
