/** @module The contract of one password rule: pluggable, so apps can add or replace rules. */

/** Who is choosing the password: their identifiers must not make it guessable. */
export interface PasswordContext {
  readonly email?: string;
  readonly username?: string | null;
}

/**
 * One rule. Receives the normalised password; returns a message for the user (why it was
 * refused and what to do instead) or undefined to accept. May be async (a network check).
 */
export type PasswordValidator = (
  password: string,
  context: PasswordContext,
) => Promise<string | undefined> | string | undefined;
