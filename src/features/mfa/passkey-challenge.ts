/**
 * @module WebAuthn challenges: short-lived, bound to what asked for them, single-use. A challenge
 * is 16 random bytes, its purpose and expiry, and an HMAC (a key derived from SECRET_KEY) over
 * those and the binding — the session (registration, step-up), the pending sign-in (second
 * factor) or the browser's pre-session (passwordless). Nothing is stored when options are asked
 * for; the binding is never in the challenge, only in its MAC, so a challenge presented with
 * another binding does not verify. Its single use is claimed once on the CounterStore (one of any
 * number of racing uses wins, across processes on Redis).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../../core/crypto/index.ts';
import type { CounterStore } from '../../core/stores.ts';

export type PasskeyChallengePurpose = 'register' | 'second-factor' | 'step-up' | 'passwordless';
const PURPOSES: readonly PasskeyChallengePurpose[] = ['register', 'second-factor', 'step-up', 'passwordless'];

const NONCE_BYTES = 16;
const BODY_BYTES = NONCE_BYTES + 8 + 1;
const MAC_BYTES = 32;

export interface IssuedChallenge {
  /** The bytes for the options' `challenge` (base64url-encoded there and in clientDataJSON). */
  readonly bytes: Uint8Array;
  readonly expiresAtMs: number;
}

export interface PasskeyChallengeCodec {
  issue(purpose: PasskeyChallengePurpose, binding: string, nowMs: number): IssuedChallenge;
  /**
   * The challenge's single-use id, when `challenge` (base64url, as in clientDataJSON) is one we
   * issued for `purpose` and `binding` and it has not expired; undefined otherwise.
   */
  read(challenge: string, purpose: PasskeyChallengePurpose, binding: string, nowMs: number): { readonly id: string; readonly expiresAtMs: number } | undefined;
}

export function createPasskeyChallengeCodec(secretKey: string, ttlMs: number, random: RandomSource): PasskeyChallengeCodec {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'portcullis', 'portcullis/passkey-challenge/v1', 32));
  const mac = (purpose: PasskeyChallengePurpose, binding: string, body: Uint8Array) =>
    createHmac('sha256', key).update(`${purpose}\0${binding}\0`).update(body).digest();
  return {
    issue(purpose, binding, nowMs) {
      const expiresAtMs = nowMs + ttlMs;
      const body = Buffer.alloc(BODY_BYTES);
      Buffer.from(random(NONCE_BYTES)).copy(body, 0);
      body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(expiresAtMs))), NONCE_BYTES);
      body.writeUInt8(PURPOSES.indexOf(purpose), NONCE_BYTES + 8);
      return { bytes: Buffer.concat([body, mac(purpose, binding, body)]), expiresAtMs };
    },
    read(challenge, purpose, binding, nowMs) {
      if (challenge.length > 200 || !/^[\w-]+$/.test(challenge)) return undefined;
      const raw = Buffer.from(challenge, 'base64url');
      if (raw.length !== BODY_BYTES + MAC_BYTES) return undefined;
      const body = raw.subarray(0, BODY_BYTES);
      const expected = mac(purpose, binding, body);
      if (!timingSafeEqual(raw.subarray(BODY_BYTES), expected)) return undefined;
      if (body.readUInt8(NONCE_BYTES + 8) !== PURPOSES.indexOf(purpose)) return undefined;
      const expiresAtMs = Number(body.readBigUInt64BE(NONCE_BYTES));
      if (nowMs >= expiresAtMs) return undefined;
      return { id: body.subarray(0, NONCE_BYTES).toString('base64url'), expiresAtMs };
    },
  };
}

/** Claims a challenge's single use: true for exactly one caller, however many race (until it expires anyway). */
export async function claimPasskeyChallenge(counters: CounterStore, challengeId: string, ttlMs: number): Promise<boolean> {
  return (await counters.reserve(`webauthn:c:${challengeId}`, 1, ttlMs)).granted;
}
