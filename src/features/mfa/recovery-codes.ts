/**
 * @module Recovery codes: ten at a time, shown once, kept only as SHA-256. Each is 10 characters of
 * a 32-letter alphabet without look-alikes (50 bits): with the MFA attempt budget a guess is
 * hopeless, so a fast hash is enough (a slow one would only let a flood of guesses cost us).
 */
import { sha256Hex, type RandomSource } from '../../core/crypto/index.ts';

export const RECOVERY_CODE_COUNT = 10;
// No l, o, 0 or 1: nothing to misread when typed from paper.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const CODE_LENGTH = 10;

/** `xxxxx-xxxxx`, lower case. */
export function createRecoveryCodes(random: RandomSource, count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const bytes = random(CODE_LENGTH);
    let code = '';
    for (const byte of bytes) code += ALPHABET[byte & 31];
    codes.add(`${code.slice(0, 5)}-${code.slice(5)}`);
  }
  return [...codes];
}

/** What a user typed, as stored: case, spaces and dashes ignored; undefined when it cannot be a code. */
export function recoveryCodeHash(input: string): string | undefined {
  const code = input.toLowerCase().replace(/[\s-]/g, '');
  if (code.length !== CODE_LENGTH || ![...code].every((ch) => ALPHABET.includes(ch))) return undefined;
  return sha256Hex(`recovery:${code}`);
}
