/**
 * @module The offline blocklist of common and breached passwords, always on. Built once at
 * load time from the ~49,000-entry frequency list that @zxcvbn-ts/language-common ships (the
 * most common passwords of public breach corpora), so it needs no file of our own and no
 * network. Exact match, case-insensitive: "Password" and "PASSWORD" are as common as
 * "password" (variations with substitutions are zxcvbn's job, in the strength rule).
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import type { PasswordValidator } from './validator.ts';

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'].map((entry) => String(entry).toLowerCase()));

export const COMMON_PASSWORD_MESSAGE =
  'This password is too common: it appears in lists of breached passwords. Choose something less predictable, such as a few unrelated words.';

/** True when the password (already normalised) is on the list, ignoring case. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/** The number of entries, for documentation and `doctor`. */
export const COMMON_PASSWORD_COUNT = COMMON_PASSWORDS.size;

export const commonPasswordValidator: PasswordValidator = (password) =>
  isCommonPassword(password) ? COMMON_PASSWORD_MESSAGE : undefined;
