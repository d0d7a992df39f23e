/** @module The shape of one legacy hash format: recognised by its prefix, verified by its rules. */

export interface LegacyFormat {
  /** A stable name, for import reports and metrics (e.g. `django-pbkdf2-sha256`). */
  readonly name: string;
  /** True when the hash claims this format (its prefix), even if the rest is malformed. */
  recognises(hash: string): boolean;
  /** False for a wrong password or a malformed / over-cap hash; may throw (the caller catches). */
  verify(hash: string, password: string): Promise<boolean>;
}
