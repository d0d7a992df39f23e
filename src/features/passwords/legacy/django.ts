/**
 * @module Django's `PASSWORD_HASHERS` formats (`django/contrib/auth/hashers.py`):
 * `pbkdf2_sha256$<iter>$<salt>$<base64>` and `pbkdf2_sha1$…` (salt used as UTF-8 text,
 * digest-sized output, standard base64), `argon2$<PHC string>` (argon2-cffi's encoding,
 * including the older `argon2i` and version-less ones), `scrypt$<N>$<salt>$<r>$<p>$<base64>`
 * (64-byte output), and `bcrypt$<hash>` / `bcrypt_sha256$<hash>` (the latter bcrypts the
 * hex SHA-256 of the password, lifting bcrypt's 72-byte limit).
 */
import { createHash } from 'node:crypto';
import { parseOptions, verify as verifyArgon2 } from '@node-rs/argon2';
import { verifyBcrypt } from './bcrypt.ts';
import { LEGACY_HASH_CAPS, decodeBase64, parseDecimal, pbkdf2Matches, scryptMatches } from './shared.ts';
import type { LegacyFormat } from './format.ts';

const PBKDF2 = /^pbkdf2_(sha256|sha1)\$([0-9]+)\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/;
const SCRYPT = /^scrypt\$([0-9]+)\$([^$]+)\$([0-9]+)\$([0-9]+)\$([A-Za-z0-9+/]+={0,2})$/;

export const djangoPbkdf2: LegacyFormat = {
  name: 'django-pbkdf2',
  recognises: (hash) => hash.startsWith('pbkdf2_sha256$') || hash.startsWith('pbkdf2_sha1$'),
  async verify(hash, password) {
    const match = PBKDF2.exec(hash);
    const expected = decodeBase64(match?.[4]);
    if (!match || !expected) return false;
    const digest = match[1] === 'sha1' ? 'sha1' : 'sha256';
    return pbkdf2Matches(password, Buffer.from(match[3] ?? '', 'utf8'), parseDecimal(match[2]), digest, expected);
  },
};

export const djangoArgon2: LegacyFormat = {
  name: 'django-argon2',
  recognises: (hash) => hash.startsWith('argon2$'),
  async verify(hash, password) {
    const phc = hash.slice('argon2'.length);
    if (!/^\$argon2(id|i|d)\$/.test(phc)) return false;
    const params = parseOptions(phc);
    if (
      params.memoryCost > LEGACY_HASH_CAPS.maxArgon2MemoryKiB ||
      params.timeCost > LEGACY_HASH_CAPS.maxArgon2TimeCost ||
      params.parallelism > LEGACY_HASH_CAPS.maxArgon2Parallelism
    ) {
      return false;
    }
    return verifyArgon2(phc, password);
  },
};

export const djangoScrypt: LegacyFormat = {
  name: 'django-scrypt',
  recognises: (hash) => hash.startsWith('scrypt$'),
  async verify(hash, password) {
    const match = SCRYPT.exec(hash);
    const expected = decodeBase64(match?.[5]);
    if (!match || !expected || expected.length !== 64) return false;
    const params = { N: parseDecimal(match[1]), r: parseDecimal(match[3]), p: parseDecimal(match[4]) };
    return scryptMatches(password, Buffer.from(match[2] ?? '', 'utf8'), params, expected);
  },
};

export const djangoBcrypt: LegacyFormat = {
  name: 'django-bcrypt',
  recognises: (hash) => hash.startsWith('bcrypt$') || hash.startsWith('bcrypt_sha256$'),
  verify(hash, password) {
    if (hash.startsWith('bcrypt$')) return verifyBcrypt(hash.slice('bcrypt'.length), password);
    const prehashed = createHash('sha256').update(password, 'utf8').digest('hex');
    return verifyBcrypt(hash.slice('bcrypt_sha256'.length), prehashed);
  },
};
