/**
 * @module The one verification a sign-in needs: our argon2id hashes and imported legacy
 * hashes behind one call, which also says when to store a fresh hash (parameters changed,
 * or a legacy format to upgrade at this login).
 */
import { isLegacyHash, verifyLegacyHash } from './legacy/index.ts';
import { passwordHashNeedsRehash, type PasswordHasher } from './hasher.ts';

export interface VerifyStoredPasswordOptions {
  /** The policy's normalize(): our own hashes are made from the normalised password. */
  readonly normalize: (password: string) => string;
  /**
   * Applied to the password before legacy verification, e.g. Flask-Security's pre-hash:
   * `(password) => flaskSecurityPasswordHmac(password, salt)`.
   */
  readonly transformLegacyPassword?: (password: string) => string;
}

export type StoredPasswordCheck =
  | { readonly valid: false }
  /** needsRehash: store `hasher.hashPassword(normalize(password))` now. */
  | { readonly valid: true; readonly needsRehash: boolean };

/**
 * Verifies a password (as typed) against a stored hash. Legacy hashes are tried with the
 * password as typed first (the source system did not normalise), then normalised when that
 * differs: so at most two derivations, and only for non-ASCII passwords. Never throws.
 */
export async function verifyStoredPassword(
  hasher: PasswordHasher,
  storedHash: string,
  password: string,
  options: VerifyStoredPasswordOptions,
): Promise<StoredPasswordCheck> {
  const normalized = options.normalize(password);
  if (isLegacyHash(storedHash)) {
    const transform = options.transformLegacyPassword ?? ((value: string) => value);
    const candidates = password === normalized ? [password] : [password, normalized];
    for (const candidate of candidates) {
      if ((await verifyLegacyHash(storedHash, transform(candidate))) === true) return { valid: true, needsRehash: true };
    }
    return { valid: false };
  }
  if (!(await hasher.verifyPassword(storedHash, normalized))) return { valid: false };
  const needsRehash = hasher.needsRehash ? hasher.needsRehash(storedHash) : passwordHashNeedsRehash(storedHash);
  return { valid: true, needsRehash };
}
