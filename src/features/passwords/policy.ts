/**
 * @module The password policy, after NIST SP 800-63B: normalise (NFKC by default) before
 * every check and before hashing; a length window counted in code points, refused and never
 * truncated; no composition rules; an always-on blocklist of common passwords; a strength
 * estimate; and any rules the app adds. Cheap refusals come first, so a 1 MB password costs
 * one length comparison.
 */
import { commonPasswordValidator } from './blocklist.ts';
import { createStrengthValidator, type StrengthScore } from './strength.ts';
import type { PasswordContext, PasswordValidator } from './validator.ts';

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
}

/** The foundation's length-only check, kept for callers that have no configured policy. */
export function checkPasswordPolicy(password: string, policy: PasswordPolicy): string | undefined {
  return lengthMessage([...password.normalize('NFKC')].length, policy);
}

function lengthMessage(length: number, policy: PasswordPolicy): string | undefined {
  if (length < policy.minLength) return `Password must be at least ${policy.minLength} characters`;
  if (length > policy.maxLength) return `Password must be at most ${policy.maxLength} characters`;
  return undefined;
}

export type PasswordNormalization = 'NFKC' | 'NFC' | 'none';

export interface PasswordPolicyOptions {
  /** NFKC (default) also folds full-width letters and ligatures; 'none' only for compatibility. */
  readonly normalization?: PasswordNormalization;
  /** Default 8 (NIST's floor); 15 is recommended when there is no second factor. */
  readonly minLength?: number;
  /** Default 256 code points, counted after normalisation. */
  readonly maxLength?: number;
  /** Minimum zxcvbn score, 0–4 (default 3); 0 turns the strength rule off. */
  readonly minStrength?: StrengthScore;
  /** Replaces the default rules (today: strength). Length and the blocklist always apply. */
  readonly validators?: readonly PasswordValidator[];
  /** Run after the defaults (or after `validators`): e.g. createPwnedPasswordsCheck(). */
  readonly extraValidators?: readonly PasswordValidator[];
}

export type PasswordCheckResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

export interface ConfiguredPasswordPolicy extends PasswordPolicy {
  readonly normalization: PasswordNormalization;
  /** The form to hash and to verify: the same password typed composed or decomposed logs in. */
  normalize(password: string): string;
  check(password: string, context?: PasswordContext): Promise<PasswordCheckResult>;
}

/**
 * A UTF-16 password longer than this many units per allowed code point is refused before
 * normalising: one code point is at most 2 units, and NFKC can expand text (up to 18× for
 * "ﷺ"), so 4× is generous for honest input and still bounds the work on hostile input.
 */
const RAW_UNITS_PER_CODE_POINT = 4;

/** The most a deployment may allow; zxcvbn and the hasher see nothing larger. */
const MAX_ALLOWED_LENGTH = 4_096;

export function createPasswordPolicy(options: PasswordPolicyOptions = {}): ConfiguredPasswordPolicy {
  const normalization = options.normalization ?? 'NFKC';
  const minLength = options.minLength ?? 8;
  const maxLength = options.maxLength ?? 256;
  if (!['NFKC', 'NFC', 'none'].includes(normalization)) throw new RangeError("normalization must be 'NFKC', 'NFC' or 'none'");
  if (!Number.isSafeInteger(minLength) || minLength < 1) throw new RangeError('minLength must be a positive integer');
  if (!Number.isSafeInteger(maxLength) || maxLength < minLength || maxLength > MAX_ALLOWED_LENGTH) {
    throw new RangeError(`maxLength must be an integer from minLength to ${MAX_ALLOWED_LENGTH}`);
  }
  const rules: readonly PasswordValidator[] = [
    commonPasswordValidator,
    ...(options.validators ?? [createStrengthValidator(options.minStrength ?? 3)]),
    ...(options.extraValidators ?? []),
  ];
  if (!rules.every((rule) => typeof rule === 'function')) throw new TypeError('validators must be functions');
  const limits: PasswordPolicy = { minLength, maxLength };
  const normalize = (password: string) => (normalization === 'none' ? password : password.normalize(normalization));

  return Object.freeze({
    normalization,
    minLength,
    maxLength,
    normalize,
    async check(password: string, context: PasswordContext = {}): Promise<PasswordCheckResult> {
      const refused = (message: string) => ({ ok: false as const, message });
      if (typeof password !== 'string') return refused('Password must be text');
      if (password.length > maxLength * RAW_UNITS_PER_CODE_POINT) return refused(`Password must be at most ${maxLength} characters`);
      // A lone surrogate cannot be encoded as UTF-8 (it would be hashed as U+FFFD); NUL
      // truncates in C-based hashers of other systems a user may be migrated to.
      if (!password.isWellFormed() || password.includes('\u0000')) {
        return refused('Password contains a character that cannot be used (a NUL or an unpaired surrogate)');
      }
      const normalized = normalize(password);
      const lengthProblem = lengthMessage([...normalized].length, limits);
      if (lengthProblem) return refused(lengthProblem);
      if (normalized.trim().length === 0) return refused('Password cannot be only spaces');
      for (const rule of rules) {
        const message = await rule(normalized, context);
        if (message !== undefined) return refused(message);
      }
      return { ok: true };
    },
  });
}
