/**
 * @module bcrypt (`$2a$`, `$2b$`, `$2y$`: Devise, PHP `password_hash`, passlib, Node's
 * bcrypt packages) through @node-rs/bcrypt. `$2x$` (the crypt_blowfish sign-extension bug)
 * is deliberately not recognised: the binding would verify it with the fixed algorithm,
 * which gives wrong answers for exactly the passwords that hit the bug.
 */
import { parseOptions, verify } from '@node-rs/bcrypt';
import { LEGACY_HASH_CAPS } from './shared.ts';
import type { LegacyFormat } from './format.ts';

const BCRYPT = /^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/;

/** Verifies a bare bcrypt hash; false when malformed or over the cost cap. */
export async function verifyBcrypt(hash: string, password: string): Promise<boolean> {
  if (!BCRYPT.test(hash)) return false;
  const { cost } = parseOptions(hash);
  if (cost > LEGACY_HASH_CAPS.maxBcryptCost) return false;
  return verify(password, hash);
}

export const bcrypt: LegacyFormat = {
  name: 'bcrypt',
  recognises: (hash) => /^\$2[aby]\$/.test(hash),
  verify: verifyBcrypt,
};
