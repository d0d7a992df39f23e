import { describe, expect, it } from 'vitest';
import { createPasswordHasher, OWASP_ARGON2ID, passwordHashNeedsRehash } from './index.ts';

const hasher = createPasswordHasher();
const PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';

describe('password hashing (real argon2id)', () => {
  it('uses OWASP parameters: argon2id, m=19456, t=2, p=1', async () => {
    expect(OWASP_ARGON2ID).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hashPassword('correct horse battery staple');
    expect(hash.startsWith(PREFIX)).toBe(true);
    expect(hash).not.toContain('correct horse');
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hashPassword('same password'), hasher.hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hashPassword('correct horse battery staple');
    await expect(hasher.verifyPassword(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verifyPassword(hash, 'correct horse battery stapl')).resolves.toBe(false);
    await expect(hasher.verifyPassword(hash, 'Correct horse battery staple')).resolves.toBe(false);
    await expect(hasher.verifyPassword(hash, '')).resolves.toBe(false);
  });

  it('verifies Unicode passwords byte for byte', async () => {
    const hash = await hasher.hashPassword('pässwörd 😀 ключ');
    await expect(hasher.verifyPassword(hash, 'pässwörd 😀 ключ')).resolves.toBe(true);
    await expect(hasher.verifyPassword(hash, 'pa\u0308sswörd 😀 ключ')).resolves.toBe(false);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'not-a-hash'],
    ['truncated argon2id', PREFIX],
    ['garbage salt and hash', `${PREFIX}!!!$???`],
    ['unknown algorithm', '$argon9$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['bcrypt', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
    ['NUL inside', `${PREFIX}\u0000`],
  ])('a %s hash verifies false without throwing', async (_label, hash) => {
    await expect(hasher.verifyPassword(hash, 'whatever')).resolves.toBe(false);
  });

  it('verifyAgainstDummy resolves (to nothing) for any password, repeatedly', async () => {
    await expect(hasher.verifyAgainstDummy('guess')).resolves.toBeUndefined();
    await expect(hasher.verifyAgainstDummy('portcullis-dummy-password-for-timing')).resolves.toBeUndefined();
    await expect(hasher.verifyAgainstDummy('')).resolves.toBeUndefined();
  });
});

describe('needsRehash', () => {
  it('is false for a hash made with the configured parameters', async () => {
    const hash = await hasher.hashPassword('correct horse battery staple');
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(passwordHashNeedsRehash(hash)).toBe(false);
  });

  it('is true when m, t or p differ from the configured ones', async () => {
    const cheap = createPasswordHasher({ memoryCost: 8_192, timeCost: 1, parallelism: 1 });
    const oldHash = await cheap.hashPassword('correct horse battery staple');
    expect(hasher.needsRehash(oldHash)).toBe(true);
    expect(cheap.needsRehash(oldHash)).toBe(false);
    for (const params of [
      { ...OWASP_ARGON2ID, memoryCost: 8_192 },
      { ...OWASP_ARGON2ID, timeCost: 3 },
      { ...OWASP_ARGON2ID, parallelism: 2 },
    ]) {
      expect(passwordHashNeedsRehash(await hasher.hashPassword('x'), params)).toBe(true);
    }
  });

  it('is true for another argon2 variant, a legacy format or garbage', () => {
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q')).toBe(true);
    expect(hasher.needsRehash('$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA')).toBe(true);
    expect(hasher.needsRehash('$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a')).toBe(true);
    expect(hasher.needsRehash('pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=')).toBe(true);
    expect(hasher.needsRehash(`${PREFIX}!!!$???`)).toBe(true);
    expect(hasher.needsRehash('')).toBe(true);
  });

  it('refuses nonsense parameters at construction', () => {
    expect(() => createPasswordHasher({ memoryCost: 0, timeCost: 2, parallelism: 1 })).toThrow(TypeError);
    expect(() => createPasswordHasher({ memoryCost: 19_456, timeCost: 1.5, parallelism: 1 })).toThrow(TypeError);
  });
});
