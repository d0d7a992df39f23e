/**
 * @module What a provider says about who signed in, reduced to what Portcullis keeps: the
 * (issuer, subject) pair, and an e-mail that counts as verified only when the provider says
 * `email_verified === true` — the boolean, not the string "true" or "false", not an absent claim.
 */

export interface ProviderProfile {
  readonly issuer: string;
  readonly subject: string;
  /** As the provider gave it (trimmed); null when it gave none usable. */
  readonly email: string | null;
  readonly emailVerified: boolean;
}

const MAX_SUBJECT = 255;
const MAX_ISSUER = 512;
const MAX_EMAIL = 254;

/** Exactly `true`: `"true"`, `"false"`, 1 and an absent claim are all unverified. */
export function isVerifiedClaim(value: unknown): boolean {
  return value === true;
}

function emailOf(value: unknown): string | null {
  if (typeof value !== 'string' || !value.isWellFormed()) return null;
  const email = value.trim();
  return email.length > 0 && email.length <= MAX_EMAIL && /^[^\s@]+@[^\s@]+$/u.test(email) ? email : null;
}

/** The profile of verified ID token claims; undefined when `iss` or `sub` is unusable. */
export function profileFromClaims(claims: Readonly<Record<string, unknown>>): ProviderProfile | undefined {
  const { iss, sub } = claims;
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > MAX_ISSUER) return undefined;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT || !sub.isWellFormed()) return undefined;
  const email = emailOf(claims.email);
  return { issuer: iss, subject: sub, email, emailVerified: email !== null && isVerifiedClaim(claims.email_verified) };
}

export { emailOf as readProviderEmail };
