/**
 * @module The one place secrets are made, hashed and compared.
 * node:crypto's synchronous HMAC/SHA-256 are ~26x faster than WebCrypto's async ones here.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A source of secure random bytes; injectable so tests can be deterministic. */
export type RandomSource = (byteLength: number) => Uint8Array;

/** Bytes drawn from the CSPRNG at once and handed out in slices, each byte once (as Node's randomUUID does). */
const RANDOM_POOL_BYTES = 4096;

/** A pooled CSPRNG of one owner (an Auth), with the means to destroy what it has not handed out yet. */
export interface RandomPool {
  readonly random: RandomSource;
  /**
   * Zeroes and drops the bytes drawn but not yet handed out: they are the owner's future secrets
   * (tokens, ids), and should not outlive it in memory. A later draw refills the pool.
   */
  wipe(): void;
}

/**
 * The CSPRNG (OpenSSL's, through node:crypto). Small requests (tokens, ids) are served from a pool
 * refilled 4 KiB at a time: one call into OpenSSL for many tokens instead of one per token, which
 * was a thirtieth of a login's time on the event loop. Every caller gets its own copy. Each pool
 * is its owner's: `createAuth` makes one per Auth and wipes it on `close()`.
 */
export function createRandomPool(): RandomPool {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return {
    random(byteLength) {
      if (byteLength > 256) return randomBytes(byteLength);
      if (offset + byteLength > pool.length) {
        pool = randomBytes(RANDOM_POOL_BYTES);
        offset = 0;
      }
      const slice = Buffer.from(pool.subarray(offset, offset + byteLength));
      offset += byteLength;
      return slice;
    },
    wipe() {
      pool.fill(0);
      pool = Buffer.alloc(0);
      offset = 0;
    },
  };
}

/** The default source of the helpers below when none is given (one pool for those callers, never wiped). */
export const secureRandom: RandomSource = createRandomPool().random;

/** A new opaque secret, base64url. 32 bytes = 256 bits: unguessable for any attacker budget. */
export function createSecretToken(random: RandomSource = secureRandom, byteLength = 32): string {
  return Buffer.from(random(byteLength)).toString('base64url');
}

/** An identifier that is unique but not secret (shown in lists, URLs). */
export function createPublicId(random: RandomSource = secureRandom): string {
  return Buffer.from(random(16)).toString('hex');
}

/**
 * SHA-256 as hex: how secrets are kept at rest (lookup key, never reversible). One-shot
 * `crypto.hash` (0.4 µs) rather than a Hash object per call (1.1 µs): every session and token
 * request hashes its secret.
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
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
