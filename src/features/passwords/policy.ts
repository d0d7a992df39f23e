/**
 * @module The password policy of the foundation: length only, counted in Unicode code points
 * after NFKC normalisation (NIST SP 800-63B: no composition rules, never truncate).
 */

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
}

/** Returns a message for the user, or undefined when the password is acceptable. */
export function checkPasswordPolicy(password: string, policy: PasswordPolicy): string | undefined {
  const length = [...password.normalize('NFKC')].length;
  if (length < policy.minLength) return `Password must be at least ${policy.minLength} characters`;
  if (length > policy.maxLength) return `Password must be at most ${policy.maxLength} characters`;
  return undefined;
}
