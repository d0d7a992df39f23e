/**
 * @module TOTP (RFC 6238) on @oslojs/otp's HOTP with the time injected: 30-second steps, 6 digits,
 * one step of drift either way. The step that matched is returned, so the caller can accept a
 * code once per step (RFC 6238 §5.2: replay refused) — `verifyTOTP` reads `Date.now()` and says
 * only yes or no, which can be neither tested at a step's edge nor made single-use.
 */
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';
import { constantTimeEqual, type RandomSource } from '../../core/crypto/index.ts';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the RFC 4226 recommendation (and what authenticator apps expect). */
const SECRET_BYTES = 20;

export function createTotpSecret(random: RandomSource): Uint8Array {
  return Uint8Array.from(random(SECRET_BYTES));
}

/** The secret as the text a user types into an authenticator app (base32, no padding). */
export function totpSecretText(secret: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(secret);
}

export function totpKeyUri(issuer: string, accountName: string, secret: Uint8Array): string {
  return createTOTPKeyURI(issuer, accountName, secret, TOTP_STEP_SECONDS, TOTP_DIGITS);
}

export function totpStepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

export function totpCodeAt(secret: Uint8Array, step: number): string {
  return generateHOTP(secret, BigInt(step), TOTP_DIGITS);
}

/** Digits only, spaces and dashes dropped (`123 456`); anything else is not a code. */
export function normalizeTotpCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/**
 * The step (now − 1, now, now + 1) whose code this is and which is later than `lastUsedStep`, or
 * undefined. Every candidate is computed and compared in constant time, whatever matches first.
 */
export function matchTotpStep(secret: Uint8Array, code: string, nowMs: number, lastUsedStep: number): number | undefined {
  const now = totpStepAt(nowMs);
  let matched: number | undefined;
  for (const step of [now - 1, now, now + 1]) {
    const equal = constantTimeEqual(totpCodeAt(secret, step), code);
    if (equal && step > lastUsedStep && matched === undefined) matched = step;
  }
  return matched;
}
