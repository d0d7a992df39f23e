/**
 * @module Strength estimation with zxcvbn-ts: the guess count of the cheapest attack it finds
 * (dictionaries, keyboard walks, dates, repeats, l33t), as a score 0–4. The user's e-mail and
 * username, and their parts, are penalised inputs: "alice.smith2024" is weak for Alice.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import type { PasswordContext, PasswordValidator } from './validator.ts';

/**
 * zxcvbn sees at most this many UTF-16 units. Its matching grows much faster than linearly:
 * with default options a 256-character password took 1–2 s of blocked event loop here. A
 * prefix's guess count is a lower bound for the whole password, so judging the prefix can
 * only be stricter, never laxer. 64 characters (more than any passphrase needs to score 4)
 * keep the worst case for a 256-character input to ≈ 20–75 ms on a loaded 2-core machine.
 */
export const STRENGTH_MAX_ANALYSED_LENGTH = 64;

/**
 * Built on first use and shared: building ranks ~500,000 dictionary words (~200 ms). The
 * factory holds no per-check state, so sharing it is safe. l33tMaxSubstitutions is lowered
 * from zxcvbn's default, which made l33t-heavy and random inputs take half a second.
 */
let sharedFactory: ZxcvbnFactory | undefined;
function strengthFactory(): ZxcvbnFactory {
  sharedFactory ??= new ZxcvbnFactory({
    translations,
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...englishDictionary },
    maxLength: STRENGTH_MAX_ANALYSED_LENGTH,
    l33tMaxSubstitutions: 4,
  });
  return sharedFactory;
}

export type StrengthScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  readonly score: StrengthScore;
  readonly warning: string | undefined;
  readonly suggestions: readonly string[];
}

/** The identifiers of the user and their parts: `alice.smith@example.com` gives alice, smith, example… */
export function userInputsOf(context: PasswordContext): string[] {
  const inputs = new Set<string>();
  for (const value of [context.email, context.username]) {
    if (typeof value !== 'string' || value.length === 0) continue;
    const lower = value.toLowerCase();
    inputs.add(lower);
    const [local, domain] = lower.split('@');
    for (const part of [local, domain, ...lower.split(/[^\p{L}\p{N}]+/u)]) {
      if (part !== undefined && part.length >= 3) inputs.add(part);
    }
  }
  return [...inputs];
}

/**
 * True when the password's letters are nothing but pieces of the user's e-mail or username, in any
 * order (`alice.smith2024`, `Smith_Alice!1990` for alice.smith@…): zxcvbn scores such passwords
 * generously because each piece is short, but they are an attacker's first guesses.
 */
export function isBuiltFromIdentity(password: string, context: PasswordContext): boolean {
  const letters = password.toLowerCase().replace(/[^\p{L}]+/gu, '');
  if (letters.length === 0) return false;
  const pieces = userInputsOf(context)
    .map((input) => input.replace(/[^\p{L}]+/gu, ''))
    .filter((piece) => piece.length >= 3);
  if (pieces.length === 0) return false;
  // Can `letters` be cut into pieces? reachable[i]: the first i letters can.
  const reachable = new Array<boolean>(letters.length + 1).fill(false);
  reachable[0] = true;
  for (let i = 0; i < letters.length; i++) {
    if (!reachable[i]) continue;
    for (const piece of pieces) if (letters.startsWith(piece, i)) reachable[i + piece.length] = true;
  }
  return reachable[letters.length] === true;
}

export function estimatePasswordStrength(password: string, context: PasswordContext = {}): PasswordStrength {
  const result = strengthFactory().check(password, userInputsOf(context));
  return {
    score: result.score as StrengthScore,
    warning: result.feedback.warning ?? undefined,
    suggestions: result.feedback.suggestions,
  };
}

const FALLBACK_SUGGESTION = 'Add another word or two: a few uncommon words are easy to remember and hard to guess.';

/** Refuses a password scored under minScore, saying why (zxcvbn's warning) and how to do better. */
export function createStrengthValidator(minScore: StrengthScore = 3): PasswordValidator {
  if (!Number.isInteger(minScore) || minScore < 0 || minScore > 4) throw new RangeError('minStrength must be 0, 1, 2, 3 or 4');
  return function checkPasswordStrength(password, context) {
    if (minScore === 0) return undefined;
    if (isBuiltFromIdentity(password, context)) {
      return 'This password is too easy to guess: it is built from your personal details (your e-mail or username), the first thing an attacker tries. Choose words that have nothing to do with your account.';
    }
    const strength = estimatePasswordStrength(password, context);
    if (strength.score >= minScore) return undefined;
    const advice = strength.suggestions.length > 0 ? strength.suggestions : [FALLBACK_SUGGESTION];
    return ['This password is too easy to guess.', strength.warning, ...advice].filter(Boolean).join(' ');
  };
}
