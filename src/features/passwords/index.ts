/**
 * @module Passwords: argon2id hashing (off the event loop) with rehash detection, legacy-hash
 * import (Werkzeug, passlib, bcrypt, Django), the NIST SP 800-63B policy (normalisation,
 * length, blocklist, strength, pluggable rules) and the Have I Been Pwned range check.
 */
export {
  createPasswordHasher,
  passwordHashNeedsRehash,
  OWASP_ARGON2ID,
  type PasswordHasher,
  type Argon2PasswordHasher,
  type Argon2Params,
} from './hasher.ts';
export {
  hashPoolOptions,
  hashPoolLoad,
  closeHashPools,
  HashQueueFullError,
  DEFAULT_HASH_NICENESS,
  DEFAULT_QUEUE_PER_THREAD,
  BUSY_RETRY_AFTER_SECONDS,
  type HashPoolOptions,
  type HashPoolLoad,
} from './hash-pool.ts';
export {
  checkPasswordPolicy,
  createPasswordPolicy,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  type ConfiguredPasswordPolicy,
  type PasswordCheckResult,
  type PasswordNormalization,
} from './policy.ts';
export type { PasswordValidator, PasswordContext } from './validator.ts';
export { commonPasswordValidator, isCommonPassword, COMMON_PASSWORD_COUNT, COMMON_PASSWORD_MESSAGE } from './blocklist.ts';
export {
  createStrengthValidator,
  estimatePasswordStrength,
  STRENGTH_MAX_ANALYSED_LENGTH,
  type PasswordStrength,
  type StrengthScore,
} from './strength.ts';
export { createPwnedPasswordsCheck, PWNED_UNAVAILABLE_MESSAGE, type PwnedPasswordsOptions } from './pwned.ts';
export {
  verifyLegacyHash,
  isLegacyHash,
  identifyLegacyHash,
  flaskSecurityPasswordHmac,
  LEGACY_HASH_CAPS,
} from './legacy/index.ts';
export { importedHashFormat } from './imported-hash.ts';
export { verifyStoredPassword, type VerifyStoredPasswordOptions, type StoredPasswordCheck } from './verify-stored.ts';

/**
 * The password hash of an account made by social sign-in: no password matches it (the hashing
 * worker answers false for any unreadable hash). The account gets one through the reset mail.
 */
export const NO_PASSWORD_HASH = '!no-password';

export function hasUsablePassword(passwordHash: string): boolean {
  return passwordHash !== NO_PASSWORD_HASH;
}
