/** @module Login by e-mail or username: one generic failure, one new session on success. */
import { FieldCollector, readFlag, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { EMAIL_MAX_LENGTH } from '../features/identity/index.ts';
import { checkCredentials, credentialFailure } from './credentials.ts';
import { finishFirstFactor, type FirstFactorOutcome } from './finish-first-factor.ts';
import { type Kernel, readPresentedPassword } from './kernel.ts';

export interface SignInInput {
  readonly identity: string;
  readonly password: string;
  readonly remember: boolean;
}

export function readSignInInput(body: BodyFields, kernel: Kernel): SignInInput {
  const fields = new FieldCollector();
  const field = body.email !== undefined && body.email !== '' ? 'email' : body.username !== undefined ? 'username' : 'email';
  const identity = fields.text(field, body[field], { label: field === 'email' ? 'E-mail or username' : 'Username', maxLength: EMAIL_MAX_LENGTH });
  const password = readPresentedPassword(fields, kernel, 'password', body.password, 'Password');
  fields.throwIfAny();
  return { identity: identity.trim(), password, remember: readFlag(body.remember) };
}

/** The password, then a session — or, for a user with a second factor, the pending second-factor step. */
export async function signIn(kernel: Kernel, input: SignInInput, client: ClientInfo): Promise<FirstFactorOutcome> {
  const result = await checkCredentials(kernel, input.identity, input.password, client, 'session');
  if (!result.ok) throw credentialFailure(kernel, input.identity, result, 'session', client);
  return finishFirstFactor(kernel, result.user, client, input.remember, 'pwd');
}
