/**
 * @module Which password hashes an account may be imported with: a supported legacy format, or
 * argon2id within the legacy caps. One rule for `auth.admin.importUser` and the CLI's dry run.
 */
import { LEGACY_HASH_CAPS, identifyLegacyHash } from './legacy/index.ts';

const ARGON2ID = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

/**
 * The format of a hash an account may be imported with (`werkzeug-pbkdf2`, `bcrypt`, `argon2id`, …),
 * or why it may not. An imported argon2id hash dictates the work of every login that verifies it:
 * above the legacy formats' argon2 caps (128 MiB, t = 10, p = 16) a poisoned file could make each
 * attempt allocate gigabytes, so such a hash is refused like an unknown one.
 */
export function importedHashFormat(hash: string): { readonly format: string } | { readonly problem: string } {
  if (hash.length > LEGACY_HASH_CAPS.maxHashLength) return { problem: `password_hash is longer than ${LEGACY_HASH_CAPS.maxHashLength} characters` };
  const legacy = identifyLegacyHash(hash);
  if (legacy) return { format: legacy };
  const argon = ARGON2ID.exec(hash);
  if (argon) {
    const [m, t, p] = [Number(argon[1]), Number(argon[2]), Number(argon[3])];
    const caps = LEGACY_HASH_CAPS;
    if (m > caps.maxArgon2MemoryKiB || t > caps.maxArgon2TimeCost || p > caps.maxArgon2Parallelism || m < 8 * p || t < 1 || p < 1) {
      return { problem: 'password_hash is an argon2id hash with parameters outside the import caps (m ≤ 131072 KiB, t ≤ 10, p ≤ 16)' };
    }
    return { format: 'argon2id' };
  }
  if (hash.startsWith('$argon2id$')) return { problem: 'password_hash is a malformed argon2id hash' };
  return {
    problem: 'password_hash is not a recognised format (Werkzeug pbkdf2:/scrypt:, passlib $pbkdf2-sha512$, bcrypt $2a$/$2b$/$2y$, Django pbkdf2_sha256$/argon2$/scrypt$/bcrypt$, or $argon2id$)',
  };
}
