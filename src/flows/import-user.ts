/**
 * @module Importing an account from another system with its password hash as it is: the same
 * e-mail and username rules, uniqueness, bootstrap admin and `user.registered` event as
 * registration (one create path, sign-up.ts); the hash must be a format we can verify. The user's
 * first login verifies it and stores argon2id in its place (sign-in).
 */
import { FieldCollector } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { importedHashFormat } from '../features/passwords/index.ts';
import type { Kernel } from './kernel.ts';
import { insertUser, readNewIdentity } from './sign-up.ts';

/** One account to import, untrusted (a row of a CSV or JSON file). */
export interface ImportUserInput {
  readonly email: unknown;
  readonly username?: unknown;
  readonly passwordHash: unknown;
}

/** An import that passed every check that needs no database; `format` names the hash's scheme. */
export interface CheckedImport {
  readonly email: string;
  readonly username: string | null;
  readonly passwordHash: string;
  readonly format: string;
}

/**
 * Checks an account to import as registration checks a new one (fields `email`, `username`), and
 * its hash (field `password_hash`); throws one INVALID_INPUT naming every bad field. Pure: a dry
 * run can call it for every row before anything is written.
 */
export function checkImportedUser(input: ImportUserInput): CheckedImport {
  const fields = new FieldCollector();
  const identity = readNewIdentity(fields, input);
  let passwordHash = '';
  let format = '';
  if (typeof input.passwordHash !== 'string' || input.passwordHash.trim() === '') {
    fields.add('password_hash', 'password_hash is missing');
  } else {
    passwordHash = input.passwordHash.trim();
    const verdict = importedHashFormat(passwordHash);
    if ('problem' in verdict) fields.add('password_hash', verdict.problem);
    else format = verdict.format;
  }
  fields.throwIfAny();
  return { ...identity, passwordHash, format };
}

export async function importUser(kernel: Kernel, input: ImportUserInput, client: ClientInfo): Promise<{ user: UserRecord; format: string }> {
  const checked = checkImportedUser(input);
  // An imported account comes from a system that had it already: counted as confirmed, as migration 0005 counts existing ones.
  const user = await insertUser(kernel, { ...checked, emailConfirmedAtMs: kernel.clock.nowMs() }, client);
  return { user, format: checked.format };
}
