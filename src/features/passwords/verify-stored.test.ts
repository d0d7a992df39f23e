/**
 * The sign-in verification: our argon2id and imported legacy hashes behind one call, the
 * rehash signal, and Unicode — the same password typed composed (NFC) or decomposed (NFD)
 * logs in, including against a legacy hash the source system made without normalising.
 */
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, createPasswordPolicy, flaskSecurityPasswordHmac, verifyStoredPassword } from './index.ts';

const hasher = createPasswordHasher();
const policy = createPasswordPolicy();
const options = { normalize: policy.normalize };
const COMPOSED = 'Crème brûlée à minuit';
const DECOMPOSED = COMPOSED.normalize('NFD');
const djangoHash = (password: string) =>
  `pbkdf2_sha256$1000$seasalt$${pbkdf2Sync(password, 'seasalt', 1_000, 32, 'sha256').toString('base64')}`;

describe('verifyStoredPassword', () => {
  it('accepts our current hash without asking for a rehash, refuses a wrong password', async () => {
    const stored = await hasher.hashPassword(policy.normalize(COMPOSED));
    await expect(verifyStoredPassword(hasher, stored, COMPOSED, options)).resolves.toEqual({ valid: true, needsRehash: false });
    await expect(verifyStoredPassword(hasher, stored, 'Creme brulee a minuit', options)).resolves.toEqual({ valid: false });
  });

  it('NFC and NFD spellings of one password both log in', async () => {
    expect(COMPOSED).not.toBe(DECOMPOSED);
    const stored = await hasher.hashPassword(policy.normalize(DECOMPOSED));
    await expect(verifyStoredPassword(hasher, stored, COMPOSED, options)).resolves.toMatchObject({ valid: true });
    await expect(verifyStoredPassword(hasher, stored, DECOMPOSED, options)).resolves.toMatchObject({ valid: true });
  });

  it('asks for a rehash when the stored argon2id parameters are old', async () => {
    const old = createPasswordHasher({ memoryCost: 8_192, timeCost: 1, parallelism: 1 });
    const stored = await old.hashPassword(policy.normalize(COMPOSED));
    await expect(verifyStoredPassword(hasher, stored, COMPOSED, options)).resolves.toEqual({ valid: true, needsRehash: true });
  });

  it('accepts a legacy hash and always asks for the upgrade', async () => {
    await expect(verifyStoredPassword(hasher, djangoHash(COMPOSED), COMPOSED, options)).resolves.toEqual({
      valid: true,
      needsRehash: true,
    });
    await expect(verifyStoredPassword(hasher, djangoHash(COMPOSED), 'wrong', options)).resolves.toEqual({ valid: false });
  });

  it('a legacy hash of the un-normalised (NFD) password verifies as typed, and from its NFC spelling', async () => {
    const stored = djangoHash(DECOMPOSED);
    await expect(verifyStoredPassword(hasher, stored, DECOMPOSED, options)).resolves.toMatchObject({ valid: true });
    const nfcStored = djangoHash(COMPOSED);
    await expect(verifyStoredPassword(hasher, nfcStored, DECOMPOSED, options)).resolves.toMatchObject({ valid: true });
  });

  it('applies transformLegacyPassword (Flask-Security pre-hash) to legacy hashes only', async () => {
    const stored = djangoHash(flaskSecurityPasswordHmac(COMPOSED, 'pepper'));
    const transformLegacyPassword = (password: string) => flaskSecurityPasswordHmac(password, 'pepper');
    await expect(verifyStoredPassword(hasher, stored, COMPOSED, { ...options, transformLegacyPassword })).resolves.toMatchObject({
      valid: true,
    });
    await expect(verifyStoredPassword(hasher, stored, COMPOSED, options)).resolves.toEqual({ valid: false });
  });

  it('an unreadable stored hash is simply invalid', async () => {
    await expect(verifyStoredPassword(hasher, 'garbage', COMPOSED, options)).resolves.toEqual({ valid: false });
    await expect(verifyStoredPassword(hasher, 'pbkdf2_sha256$x$y$z', COMPOSED, options)).resolves.toEqual({ valid: false });
  });
});
