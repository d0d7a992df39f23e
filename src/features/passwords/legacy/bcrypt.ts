/**
 * @module bcrypt (`$2a$`, `$2b$`, `$2y$`: Devise, PHP `password_hash`, passlib, Node's
 * bcrypt packages) through bcryptjs (pure JavaScript: no platform binaries to install; speed does
 * not matter for a hash verified once, at the login that upgrades it to argon2id). `$2x$` (the
 * crypt_blowfish sign-extension bug) is deliberately not recognised: it would be verified with the
 * fixed algorithm, which gives wrong answers for exactly the passwords that hit the bug.
 */
import bcryptjs from 'bcryptjs';
import { LEGACY_HASH_CAPS } from './shared.ts';
import type { LegacyFormat } from './format.ts';

const BCRYPT = /^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/;

/** Verifies a bare bcrypt hash; false when malformed or over the cost cap. */
export async function verifyBcrypt(hash: string, password: string): Promise<boolean> {
  if (!BCRYPT.test(hash)) return false;
  const cost = Number(hash.slice(4, 6));
  if (cost > LEGACY_HASH_CAPS.maxBcryptCost) return false;
  // $2a$, $2b$ and $2y$ are one algorithm for these purposes; bcryptjs reads $2b$.
  return bcryptjs.compare(password, `$2b$${hash.slice(4)}`);
}

export const bcrypt: LegacyFormat = {
  name: 'bcrypt',
  recognises: (hash) => /^\$2[aby]\$/.test(hash),
  verify: verifyBcrypt,
};
