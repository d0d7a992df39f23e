/**
 * @module Werkzeug's `generate_password_hash` formats (Flask apps):
 * `pbkdf2:<digest>:<iterations>$<salt>$<hex>` and `scrypt:<N>:<r>:<p>$<salt>$<hex>`.
 * The salt is used as its UTF-8 text (not decoded); the digest is as long as the hash
 * function's output (PBKDF2) or 64 bytes (scrypt), as in `werkzeug/security.py`.
 */
import { decodeHex, parseDecimal, pbkdf2Matches, scryptMatches, type Pbkdf2Digest } from './shared.ts';
import type { LegacyFormat } from './format.ts';

const PBKDF2 = /^pbkdf2:(sha1|sha256|sha512):([0-9]+)\$([^$]+)\$([0-9a-fA-F]+)$/;
const SCRYPT = /^scrypt:([0-9]+):([0-9]+):([0-9]+)\$([^$]+)\$([0-9a-fA-F]+)$/;

export const werkzeugPbkdf2: LegacyFormat = {
  name: 'werkzeug-pbkdf2',
  recognises: (hash) => hash.startsWith('pbkdf2:'),
  async verify(hash, password) {
    const match = PBKDF2.exec(hash);
    const expected = decodeHex(match?.[4]);
    if (!match || !expected) return false;
    const salt = Buffer.from(match[3] ?? '', 'utf8');
    return pbkdf2Matches(password, salt, parseDecimal(match[2]), match[1] as Pbkdf2Digest, expected);
  },
};

export const werkzeugScrypt: LegacyFormat = {
  name: 'werkzeug-scrypt',
  recognises: (hash) => hash.startsWith('scrypt:'),
  async verify(hash, password) {
    const match = SCRYPT.exec(hash);
    const expected = decodeHex(match?.[5]);
    if (!match || !expected || expected.length !== 64) return false;
    const params = { N: parseDecimal(match[1]), r: parseDecimal(match[2]), p: parseDecimal(match[3]) };
    return scryptMatches(password, Buffer.from(match[4] ?? '', 'utf8'), params, expected);
  },
};
