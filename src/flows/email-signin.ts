/**
 * @module Sign-in by e-mail (EMAIL_SIGNIN): one mail with a six-digit code and a link carrying the
 * same code. The stored token is the SHA-256 of the user, the code and the asking browser's
 * pre-session, so the code redeems only in the browser that asked (a forwarded link finds
 * nothing); it expires in ten minutes and is consumed in one conditional write (of any number of
 * concurrent redemptions one signs in). Every guess goes through `checkSecret`: the account's
 * attempt budget and the client's, as a password guess. Asking answers the same for every address;
 * the lookup and the mail (within the recipient's budget) happen off the request.
 */
import { sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey } from '../features/identity/index.ts';
import { lockoutSubject } from '../features/lockout/index.ts';
import { checkSecret } from './credentials.ts';
import { finishFirstFactor, type FirstFactorOutcome } from './finish-first-factor.ts';
import { origin, type Kernel } from './kernel.ts';
import { sendWithinRecipientBudget } from './recipient-mail.ts';
import { readEmailAddress } from './sign-up.ts';

export const EMAIL_SIGNIN_MESSAGE = 'If that address has an account, a sign-in code is on its way.';
export const EMAIL_SIGNIN_TTL_MS = 10 * 60_000;
const CODE_DIGITS = 6;
const CODE_SHAPE = /^\d{6}$/;

/** What the asking browser is bound by: the hash of its pre-session id (never the id itself). */
function bindingOf(preSessionId: string): string {
  return sha256Hex(`email-signin-browser:${preSessionId}`);
}

function tokenHashOf(userId: string, code: string, binding: string): string {
  return sha256Hex(`email-signin:${userId}:${code}:${binding}`);
}

/** A uniformly drawn six-digit code (rejection sampling: no modulo bias). */
function drawCode(kernel: Kernel): string {
  const limit = 4_294_000_000; // a multiple of 10^6 below 2^32
  for (;;) {
    const bytes = kernel.random(4);
    const value = ((bytes[0] ?? 0) * 0x1000000 + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0)) >>> 0;
    if (value < limit) return String(value % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
  }
}

function signInEmail(code: string, link: string): { subject: string; text: string } {
  return {
    subject: 'Your sign-in code',
    text: [
      `Your sign-in code is ${code}`,
      '',
      'Enter it on the sign-in page within 10 minutes, or open this link in the same browser:',
      link,
      '',
      'The code and the link work once, and only in the browser that asked for them.',
      'If it was not you, ignore this message: nobody can sign in with it anywhere else.',
    ].join('\n'),
  };
}

/**
 * `POST /auth/email-signin`: the address's shape is checked now (400 for a malformed one); the
 * answer is the same for every address. `preSessionId` is the asking browser's pre-session.
 */
export function requestEmailSignIn(kernel: Kernel, body: BodyFields, client: ClientInfo, preSessionId: string): { readonly message: string } {
  const fields = new FieldCollector();
  const email = readEmailAddress(fields, 'email', body.email);
  fields.throwIfAny();
  kernel.background(async () => {
    const user = await kernel.stores.users.findUserByEmailKey(emailKey(email));
    if (!user?.active) return;
    await sendWithinRecipientBudget(kernel, { kind: 'email-signin', to: user.email, userId: user.id }, client, async () => {
      const nowMs = kernel.clock.nowMs();
      const code = drawCode(kernel);
      const binding = bindingOf(preSessionId);
      // A new code replaces the old ones.
      await kernel.stores.oneTimeTokens.deleteOneTimeTokensOfUser(user.id, 'email-signin');
      await kernel.stores.oneTimeTokens.createOneTimeToken({
        tokenHash: tokenHashOf(user.id, code, binding),
        purpose: 'email-signin',
        userId: user.id,
        binding,
        createdAtMs: nowMs,
        expiresAtMs: nowMs + EMAIL_SIGNIN_TTL_MS,
      });
      kernel.emit({ type: 'email.signin_sent', userId: user.id, ...origin(client), atMs: nowMs });
      const token = `${code}.${Buffer.from(user.id, 'utf8').toString('base64url')}`;
      return signInEmail(code, `${kernel.config.publicOrigin}${kernel.config.basePath}/email-signin/verify?token=${encodeURIComponent(token)}`);
    });
  });
  return { message: EMAIL_SIGNIN_MESSAGE };
}

type Presented = { readonly code: string } & ({ readonly email: string } | { readonly userId: string });

function readPresented(body: BodyFields): Presented {
  const fields = new FieldCollector();
  if (body.token !== undefined && body.email === undefined) {
    const token = fields.text('token', body.token, { label: 'Sign-in link', maxLength: 200 });
    fields.throwIfAny();
    const match = /^(\d{6})\.([\w-]{1,160})$/.exec(token);
    const userId = match ? Buffer.from(match[2] ?? '', 'base64url').toString('utf8') : '';
    if (!match || !userId.isWellFormed()) throw new AuthError('INVALID_INPUT', { fields: { token: 'This sign-in link is invalid, used or expired. Ask for a new one.' } });
    return { code: match[1] ?? '', userId };
  }
  const email = readEmailAddress(fields, 'email', body.email);
  const code = fields.text('code', body.code, { label: 'Code', maxLength: 16 }).replace(/\s/g, '');
  if (code !== '' && !CODE_SHAPE.test(code)) fields.add('code', 'The code is the six digits from the e-mail.');
  fields.throwIfAny();
  return { email, code };
}

async function presentedUser(kernel: Kernel, presented: Presented): Promise<{ user: UserRecord | undefined; subject: string; identity: string }> {
  if ('email' in presented) {
    const key = emailKey(presented.email);
    const user = await kernel.stores.users.findUserByEmailKey(key);
    return { user, subject: user ? lockoutSubject.user(user.id) : lockoutSubject.unknownIdentity(key), identity: presented.email };
  }
  const user = await kernel.stores.users.findUserById(presented.userId);
  return { user, subject: lockoutSubject.user(user?.id ?? presented.userId), identity: user?.email ?? '' };
}

/**
 * `POST /auth/email-signin/verify` (or the link): the code, under the account's and the client's
 * attempt budgets, redeemed once and only with the asking browser's pre-session. A wrong code
 * answers like a wrong password. The mail proved the address: an unconfirmed one is confirmed.
 */
export async function verifyEmailSignIn(kernel: Kernel, body: BodyFields, client: ClientInfo, preSessionId: string | undefined): Promise<FirstFactorOutcome> {
  const presented = readPresented(body);
  const { user, subject, identity } = await presentedUser(kernel, presented);
  const check = await checkSecret(
    kernel,
    { subject, client, honourKnownDevice: false },
    async () => {
      if (!user || preSessionId === undefined) return undefined;
      const tokenHash = tokenHashOf(user.id, presented.code, bindingOf(preSessionId));
      return kernel.stores.oneTimeTokens.consumeOneTimeToken(tokenHash, 'email-signin', kernel.clock.nowMs());
    },
    (record) => record !== undefined,
  );
  const nowMs = kernel.clock.nowMs();
  if (check.refused) {
    kernel.emit({ type: 'login.failed', identity, reason: check.reason, via: 'session', ...origin(client), atMs: nowMs });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  if (!check.result || !user || !user.active) {
    kernel.emit({ type: 'login.failed', identity, reason: !user ? 'unknown_identity' : user.active ? 'wrong_password' : 'inactive', via: 'session', ...origin(client), atMs: nowMs });
    throw new AuthError('INVALID_CREDENTIALS');
  }
  await kernel.stores.oneTimeTokens.deleteOneTimeTokensOfUser(user.id, 'email-signin');
  let signedIn = user;
  if (user.emailConfirmedAtMs === null && (await kernel.stores.users.confirmEmail(user.id, user.emailKey, nowMs))) {
    kernel.caches.users.invalidate(user.id);
    kernel.emit({ type: 'email.confirmed', userId: user.id, ...origin(client), atMs: nowMs });
    signedIn = { ...user, emailConfirmedAtMs: nowMs };
  }
  return finishFirstFactor(kernel, signedIn, client, false, 'email');
}
