/**
 * @module The one place secrets are made, hashed and compared.
 * node:crypto's synchronous HMAC/SHA-256 are ~26x faster than WebCrypto's async ones here.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A source of secure random bytes; injectable so tests can be deterministic. */
export type RandomSource = (byteLength: number) => Uint8Array;

export const secureRandom: RandomSource = (byteLength) => randomBytes(byteLength);

/** A new opaque secret, base64url. 32 bytes = 256 bits: unguessable for any attacker budget. */
export function createSecretToken(random: RandomSource = secureRandom, byteLength = 32): string {
  return Buffer.from(random(byteLength)).toString('base64url');
}

/** An identifier that is unique but not secret (shown in lists, URLs). */
export function createPublicId(random: RandomSource = secureRandom): string {
  return Buffer.from(random(16)).toString('hex');
}

/** SHA-256 as hex: how secrets are kept at rest (lookup key, never reversible). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** HMAC-SHA-256 as base64url, keyed by the app's secret. */
export function hmacBase64Url(key: string | Uint8Array, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** Compares two strings without leaking where they first differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
