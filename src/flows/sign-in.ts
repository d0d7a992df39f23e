/** @module Login by e-mail or username: one generic failure, one new session on success. */
import { FieldCollector, readFlag, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { EMAIL_MAX_LENGTH } from '../features/identity/index.ts';
import { checkCredentials, credentialFailure } from './credentials.ts';
import { type Kernel, readPresentedPassword } from './kernel.ts';
import { startSession, type StartedSession } from './start-session.ts';

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

export async function signIn(kernel: Kernel, input: SignInInput, client: ClientInfo): Promise<StartedSession> {
  const result = await checkCredentials(kernel, input.identity, input.password, client, 'session');
  if (!result.ok) throw credentialFailure(kernel, input.identity, result, 'session', client);
  return startSession(kernel, result.user, client, input.remember);
}
