/**
 * @module Verifying password hashes imported from other systems (Werkzeug, passlib /
 * Flask-Security, bcrypt / Devise / PHP, Django), so that their users can log in once and be
 * re-hashed to argon2id. Verification only: Portcullis never creates these formats.
 */
import { createHmac } from 'node:crypto';
import { bcrypt } from './bcrypt.ts';
import { djangoArgon2, djangoBcrypt, djangoPbkdf2, djangoScrypt } from './django.ts';
import { passlibPbkdf2 } from './passlib.ts';
import { LEGACY_HASH_CAPS } from './shared.ts';
import { werkzeugPbkdf2, werkzeugScrypt } from './werkzeug.ts';
import type { LegacyFormat } from './format.ts';

export { LEGACY_HASH_CAPS } from './shared.ts';
export type { LegacyFormat } from './format.ts';

const FORMATS: readonly LegacyFormat[] = [
  werkzeugPbkdf2,
  werkzeugScrypt,
  passlibPbkdf2,
  bcrypt,
  djangoPbkdf2,
  djangoArgon2,
  djangoScrypt,
  djangoBcrypt,
];

/** The name of the legacy format a stored hash claims (e.g. `werkzeug-scrypt`), or undefined. */
export function identifyLegacyHash(hash: unknown): string | undefined {
  if (typeof hash !== 'string') return undefined;
  return FORMATS.find((format) => format.recognises(hash))?.name;
}

/** True when the hash claims one of the supported legacy formats (well-formed or not). */
export function isLegacyHash(hash: unknown): boolean {
  return identifyLegacyHash(hash) !== undefined;
}

/**
 * True or false for a recognised legacy format, undefined for anything else (an argon2id
 * hash of ours, an unknown scheme). Never throws: wrong passwords, malformed, truncated and
 * over-cap hashes (see LEGACY_HASH_CAPS) all give false. Pass the password as the user typed
 * it: the source system hashed it without our normalisation.
 */
export async function verifyLegacyHash(hash: unknown, password: unknown): Promise<boolean | undefined> {
  if (typeof hash !== 'string') return undefined;
  const format = FORMATS.find((candidate) => candidate.recognises(hash));
  if (!format) return undefined;
  if (typeof password !== 'string' || hash.length > LEGACY_HASH_CAPS.maxHashLength) return false;
  try {
    return (await format.verify(hash, password)) === true;
  } catch {
    return false;
  }
}

/**
 * Flask-Security's pre-hash: with `SECURITY_PASSWORD_SINGLE_HASH` off (its default for
 * passlib's pbkdf2_sha512, bcrypt and argon2 schemes) it stores
 * `hash(base64(HMAC-SHA512(SECURITY_PASSWORD_SALT, password)))`. Verify such a hash with
 * `verifyLegacyHash(hash, flaskSecurityPasswordHmac(password, salt))`.
 */
export function flaskSecurityPasswordHmac(password: string, securityPasswordSalt: string): string {
  return createHmac('sha512', Buffer.from(securityPasswordSalt, 'utf8')).update(password, 'utf8').digest('base64');
}
