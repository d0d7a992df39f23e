/**
 * @module passlib's PBKDF2 formats (Flask-Security, many Python apps):
 * `$pbkdf2$<rounds>$<salt>$<checksum>` (HMAC-SHA1), `$pbkdf2-sha256$…`, `$pbkdf2-sha512$…`.
 * Salt and checksum are raw bytes in passlib's "adapted base64" (`.` for `+`, no padding);
 * the checksum is one digest long (passlib `pbkdf2_digest` handlers).
 */
import { decodeAdaptedBase64, parseDecimal, pbkdf2Matches, type Pbkdf2Digest } from './shared.ts';
import type { LegacyFormat } from './format.ts';

const PASSLIB_PBKDF2 = /^\$pbkdf2(?:-(sha256|sha512))?\$([0-9]+)\$([A-Za-z0-9./]*)\$([A-Za-z0-9./]+)$/;

export const passlibPbkdf2: LegacyFormat = {
  name: 'passlib-pbkdf2',
  recognises: (hash) => /^\$pbkdf2(-sha256|-sha512)?\$/.test(hash),
  async verify(hash, password) {
    const match = PASSLIB_PBKDF2.exec(hash);
    const salt = decodeAdaptedBase64(match?.[3]);
    const expected = decodeAdaptedBase64(match?.[4]);
    if (!match || !salt || !expected) return false;
    const digest: Pbkdf2Digest = (match[1] as Pbkdf2Digest | undefined) ?? 'sha1';
    return pbkdf2Matches(password, salt, parseDecimal(match[2]), digest, expected);
  },
};
