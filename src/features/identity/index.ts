/** @module How e-mails and usernames are normalised and checked, and what of a user is public. */
import type { Authorization, UserRecord } from '../../core/stores.ts';

import { parseEmailAddress } from './address.ts';

export { EMAIL_MAX_LENGTH, emailKey, isSingleScript, parseEmailAddress, type AddressProblem, type ParsedEmailAddress } from './address.ts';

const USERNAME_SHAPE = /^[\p{L}\p{N}_.-]{3,32}$/u;

export const USERNAME_MAX_LENGTH = 32;

/** E-mail as stored for display: trimmed, NFC. */
export function cleanEmail(email: string): string {
  return email.trim().normalize('NFC');
}

/** Whether `email` is exactly one acceptable address (see parseEmailAddress), with no surrounding space. */
export function isEmailShaped(email: string): boolean {
  return email === email.trim() && parseEmailAddress(email).ok;
}

export function usernameKey(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

/** Letters, digits, `_ . -`, 3 to 32 characters; never an `@`, so a login identity is unambiguous. */
export function isUsernameShaped(username: string): boolean {
  return USERNAME_SHAPE.test(username.normalize('NFKC'));
}

/** The user as the API shows it: `{"id","email","username","roles","active"}`, never a hash. */
export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly username: string | null;
  readonly roles: readonly string[];
  readonly active: boolean;
}

export function toPublicUser(user: UserRecord, authorization: Authorization): PublicUser {
  return { id: user.id, email: user.email, username: user.username, roles: [...authorization.roles], active: user.active };
}
