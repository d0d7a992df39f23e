/** @module Registration: validate, hash, create (exactly one user per e-mail, even under concurrency), log in; and the one account-creating step every way in shares. */
import { createPublicId } from '../core/crypto/index.ts';
import { AuthError, UniqueViolationError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { NewUser, UserRecord } from '../core/stores.ts';
import { EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH, emailKey, isUsernameShaped, parseEmailAddress, usernameKey } from '../features/identity/index.ts';
import { checkPasswordPolicy } from '../features/passwords/index.ts';
import { ADMIN_ROLE } from '../features/rbac/index.ts';
import { origin, type Kernel, passwordField } from './kernel.ts';
import { startSession, type StartedSession } from './start-session.ts';

export interface SignUpInput {
  readonly email: string;
  readonly username: string | null;
  readonly password: string;
}

/**
 * The e-mail and username of a new account, checked as registration checks them — the one rule for
 * sign-up, `admin.createUser` and `admin.importUser`. Problems go to `fields` (`email`, `username`).
 */
export function readNewIdentity(fields: FieldCollector, body: { readonly email?: unknown; readonly username?: unknown }): { email: string; username: string | null } {
  const email = readEmailAddress(fields, 'email', body.email);
  let username: string | null = null;
  if (body.username !== undefined && body.username !== null && body.username !== '') {
    username = fields.text('username', body.username, { label: 'Username', maxLength: USERNAME_MAX_LENGTH }).trim();
    if (username && !isUsernameShaped(username)) {
      fields.add('username', 'Username must be 3 to 32 letters, digits, "_", "." or "-"');
    }
  }
  return { email, username: username ? username.normalize('NFKC') : null };
}

/**
 * An e-mail field as the address policy reads it (parseEmailAddress): the normalised address, or ''
 * with the problem added to `fields`. Every address that will be stored or mailed passes here.
 */
export function readEmailAddress(fields: FieldCollector, name: string, value: unknown, label = 'E-mail'): string {
  // allowControl: the address policy names control characters itself (a clearer message than the generic one).
  const typed = fields.text(name, value, { label, maxLength: EMAIL_MAX_LENGTH * 4, allowControl: true });
  if (!typed) return '';
  const parsed = parseEmailAddress(typed);
  if (parsed.ok) return parsed.address;
  fields.add(name, parsed.message);
  return '';
}

/** Checks the fields of a registration body; throws one INVALID_INPUT naming every bad field. */
export function readSignUpInput(body: BodyFields, kernel: Kernel): SignUpInput {
  const fields = new FieldCollector();
  const identity = readNewIdentity(fields, body);
  // Type, NUL, Unicode and length here, so a form shows every field's problem at once;
  // blocklist, strength and the breach check in the policy (createUser).
  const password = fields.text('password', body.password, passwordField(kernel, 'Password'));
  const lengthProblem = password ? checkPasswordPolicy(kernel.policy.normalize(password), kernel.config.password) : undefined;
  if (lengthProblem) fields.add('password', lengthProblem);
  fields.throwIfAny();
  return { ...identity, password };
}

function duplicateError(key: UniqueViolationError['key']): AuthError {
  return key === 'username'
    ? new AuthError('INVALID_INPUT', { fields: { username: 'This username is taken' } })
    : new AuthError('INVALID_INPUT', { fields: { email: 'An account with this e-mail already exists' } });
}

/** The password policy for a new password (registration, change, reset): a field error when it fails. */
export async function checkNewPassword(kernel: Kernel, password: string, context: { email?: string; username?: string | null }, field: string): Promise<void> {
  const verdict = await kernel.policy.check(password, context);
  if (!verdict.ok) throw new AuthError('INVALID_INPUT', { fields: { [field]: verdict.message } });
}

export async function signUp(kernel: Kernel, input: SignUpInput, client: ClientInfo, remember = false): Promise<StartedSession> {
  return startSession(kernel, await createUser(kernel, input, client), client, remember);
}

/** A new account (policy checked, argon2id hash, unique keys, bootstrap admin) without logging it in. */
export async function createUser(kernel: Kernel, input: SignUpInput, client: ClientInfo): Promise<UserRecord> {
  await checkNewPassword(kernel, input.password, { email: input.email, username: input.username }, 'password');
  const passwordHash = await kernel.hasher.hashPassword(kernel.policy.normalize(input.password));
  return insertUser(kernel, { email: input.email, username: input.username, passwordHash }, client);
}

/**
 * The one place an account comes into being — registration, `admin.createUser` and
 * `admin.importUser` all end here: unique keys (a duplicate is the registration form's field
 * error), the bootstrap admin, and one `user.registered` event of the same shape whichever way
 * the account came. The e-mail and username have passed readNewIdentity; the hash is ours or an accepted import.
 */
export async function insertUser(
  kernel: Kernel,
  account: { email: string; username: string | null; passwordHash: string; emailConfirmedAtMs?: number | null },
  client: ClientInfo,
  // Social sign-in stores the user together with its first identity, in one write.
  create: (user: NewUser) => Promise<UserRecord> = (user) => kernel.stores.users.createUser(user),
): Promise<UserRecord> {
  const nowMs = kernel.clock.nowMs();
  let user: UserRecord;
  try {
    user = await create({
      id: createPublicId(kernel.random),
      email: account.email,
      emailKey: emailKey(account.email),
      username: account.username,
      usernameKey: account.username ? usernameKey(account.username) : null,
      passwordHash: account.passwordHash,
      uniquifier: createPublicId(kernel.random),
      nowMs,
      ...(account.emailConfirmedAtMs !== undefined ? { emailConfirmedAtMs: account.emailConfirmedAtMs } : {}),
    });
  } catch (error) {
    if (error instanceof UniqueViolationError) throw duplicateError(error.key);
    throw error;
  }
  const bootstrap = kernel.config.bootstrapAdminEmail;
  if (bootstrap && emailKey(bootstrap) === user.emailKey) await grantBootstrapAdmin(kernel, user.id);
  kernel.emit({ type: 'user.registered', userId: user.id, email: user.email, ...origin(client), atMs: nowMs });
  return user;
}

/**
 * BOOTSTRAP_ADMIN_EMAIL makes the first admin, never another one: once anybody holds `admin` (granted
 * by the CLI, an earlier bootstrap, an import), whoever registers the address later is an ordinary
 * user. The store checks and grants in one step, so concurrent registrations cannot both pass.
 */
async function grantBootstrapAdmin(kernel: Kernel, userId: string): Promise<void> {
  if ((await kernel.stores.roles.grantRoleIfUnheld(userId, ADMIN_ROLE)) !== 'unknown-role') return;
  // Create `admin` only if the app has not defined it (never overwrite its permissions).
  await kernel.stores.roles.upsertRole({ name: ADMIN_ROLE, description: 'Full administrative access', permissions: [] });
  await kernel.stores.roles.grantRoleIfUnheld(userId, ADMIN_ROLE);
}
