/**
 * @module What every legacy format shares: the work caps, strict decoders and the
 * constant-time comparison. A hash in an import file is attacker-controllable input (a
 * poisoned CSV, a compromised source system), so its cost parameters are refused above a
 * cap instead of being obeyed: without caps, one `pbkdf2:sha256:4000000000$…` row or an
 * `N=2^30` scrypt hash pins a libuv thread (or all the memory) for every login attempt.
 */
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The caps, each ≈ 2–4× the highest default any supported framework ships today (Django 6
 * uses 1.2 M PBKDF2-SHA256 iterations, Werkzeug 3.1 1 M; Werkzeug scrypt N = 2^15, r = 8;
 * Django argon2 m = 100 MiB, p = 8; Devise and PHP bcrypt cost 10–12). A hash above a cap
 * verifies false; re-hash such accounts on the source system or reset their passwords.
 */
export const LEGACY_HASH_CAPS = Object.freeze({
  /** Characters in a stored hash string: a longer one is not read at all. */
  maxHashLength: 1_024,
  maxPbkdf2Iterations: 3_000_000,
  /** Bytes of scrypt memory, 128 · N · r: 64 MiB (Werkzeug's default needs 32 MiB). */
  maxScryptMemoryBytes: 64 * 1024 * 1024,
  /** scrypt CPU work, N · r · p: 4× Werkzeug's default. */
  maxScryptWork: 2 ** 20,
  /** bcrypt cost (log2 rounds): 15 is ~8× cost 12, about 2 s here. */
  maxBcryptCost: 15,
  /** argon2 memory in KiB (128 MiB), passes and lanes. */
  maxArgon2MemoryKiB: 131_072,
  maxArgon2TimeCost: 10,
  maxArgon2Parallelism: 16,
});

export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

/** Digest sizes in bytes: every supported format stores exactly one digest's worth. */
export const DIGEST_BYTES: Readonly<Record<Pbkdf2Digest, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** PBKDF2 on libuv's thread pool, refusing (false) iteration counts outside 1..cap. */
export async function pbkdf2Matches(
  password: string,
  salt: Buffer,
  iterations: number,
  digest: Pbkdf2Digest,
  expected: Buffer,
): Promise<boolean> {
  if (iterations < 1 || iterations > LEGACY_HASH_CAPS.maxPbkdf2Iterations) return false;
  if (expected.length !== DIGEST_BYTES[digest]) return false;
  const derived = await new Promise<Buffer>((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, expected.length, digest, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
  return equalBytes(derived, expected);
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** scrypt on libuv's thread pool, refusing (false) parameters over the caps. */
export async function scryptMatches(password: string, salt: Buffer, params: ScryptParams, expected: Buffer): Promise<boolean> {
  const { N, r, p } = params;
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || r < 1 || p < 1 || expected.length < 16 || expected.length > 128) return false;
  const memoryBytes = 128 * N * r;
  if (memoryBytes > LEGACY_HASH_CAPS.maxScryptMemoryBytes || N * r * p > LEGACY_HASH_CAPS.maxScryptWork) return false;
  const derived = await new Promise<Buffer>((resolve, reject) => {
    // maxmem above the working set: Node's default (32 MiB) is exactly Werkzeug's need and fails.
    const options = { N, r, p, maxmem: memoryBytes + 128 * r * p + 1024 * 1024 };
    scrypt(Buffer.from(password, 'utf8'), salt, expected.length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
  return equalBytes(derived, expected);
}

/** Constant-time equality; different lengths are unequal (length is not secret here). */
export function equalBytes(left: Buffer, right: Buffer): boolean {
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A decimal integer without sign, spaces or leading zeros games; NaN otherwise. */
export function parseDecimal(text: string | undefined): number {
  if (text === undefined || !/^[0-9]{1,10}$/.test(text)) return Number.NaN;
  return Number(text);
}

/** Lower- or upper-case hex of even length, or undefined. */
export function decodeHex(text: string | undefined): Buffer | undefined {
  if (text === undefined || text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/**
 * Canonical standard base64 with its padding, or undefined. Node's decoder silently skips
 * bad characters and accepts missing padding; the originals compare encoded strings, so a
 * truncated or re-spelled encoding must not verify here either.
 */
export function decodeBase64(text: string | undefined): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** passlib's "adapted base64" (`.` for `+`, no padding), canonical, or undefined. */
export function decodeAdaptedBase64(text: string | undefined): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9./]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replaceAll('.', '+'), 'base64');
  return bytes.toString('base64').replace(/=+$/, '').replaceAll('+', '.') === text ? bytes : undefined;
}
