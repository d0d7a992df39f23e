/**
 * @module How the CLI normalises and checks e-mails and usernames. The same rules as
 * `features/identity` (the sign-up flow), which `index.ts` does not export; the import tests log
 * imported users in through `auth` with differently cased e-mails, which keeps the two in step.
 */

const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;
const USERNAME_SHAPE = /^[\p{L}\p{N}_.-]{3,32}$/u;
export const EMAIL_MAX_LENGTH = 254;

/** E-mail as stored for display: trimmed, NFC. */
export function cleanEmail(email: string): string {
  return email.trim().normalize('NFC');
}

/** The unique lookup key: NFKC, lower-cased. */
export function emailKey(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

export function isEmailShaped(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_SHAPE.test(email);
}

export function usernameKey(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

export function isUsernameShaped(username: string): boolean {
  return USERNAME_SHAPE.test(username.normalize('NFKC'));
}
