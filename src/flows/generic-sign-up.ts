/**
 * @module Generic registration (GENERIC_RESPONSES, on by default while confirmation is required):
 * `POST /auth/register` answers the same status, body and headers for a new address, a taken
 * address and a taken username. The request does the same work whichever it is — input checks,
 * the password policy, one argon2id hash — and the answer is decided before anything is written;
 * the account is written (or found taken) off the request. A taken address's owner gets a "you
 * already have an account" mail with a reset hint; a taken username, a "choose another username"
 * mail to the address that asked. Every one of these mails takes from the recipient's budget.
 */
import type { ClientInfo } from '../core/request-context.ts';
import { emailKey } from '../features/identity/index.ts';
import { origin, type Kernel } from './kernel.ts';
import { sendWithinRecipientBudget } from './recipient-mail.ts';
import { sendConfirmation } from './send-confirmation.ts';
import { CONFIRM_SENT_MESSAGE, checkNewPassword, insertUserUnlessTaken, type RegistrationPending, type SignUpInput } from './sign-up.ts';

function existingAccountEmail(kernel: Kernel): { subject: string; text: string } {
  return {
    subject: 'You already have an account',
    text: [
      'Someone (hopefully you) tried to sign up with this e-mail address, which already has an account.',
      '',
      'Nothing was changed. To sign in, use your password; if you forgot it, choose a new one here:',
      `${kernel.config.publicOrigin}${kernel.config.pages.forgotPassword}`,
      '',
      'If it was not you, ignore this message.',
    ].join('\n'),
  };
}

function usernameTakenEmail(kernel: Kernel, username: string): { subject: string; text: string } {
  return {
    subject: 'Choose another username',
    text: [
      `Someone (hopefully you) tried to sign up with this e-mail address and the username "${username}", which is taken.`,
      '',
      'No account was created. Sign up again with another username (or none):',
      `${kernel.config.publicOrigin}/register`,
      '',
      'If it was not you, ignore this message.',
    ].join('\n'),
  };
}

/** The same answer for everyone who passed the input checks; the account is written after it is decided. */
export async function registerGenerically(kernel: Kernel, input: SignUpInput, client: ClientInfo): Promise<RegistrationPending> {
  await checkNewPassword(kernel, input.password, { email: input.email, username: input.username }, 'password');
  // The one expensive step, done for every registration alike (taken or not: nobody can tell yet).
  const passwordHash = await kernel.hasher.hashPassword(kernel.policy.normalize(input.password));
  kernel.background(async () => {
    const outcome = await insertUserUnlessTaken(kernel, { email: input.email, username: input.username, passwordHash }, client);
    if (!('taken' in outcome)) {
      sendConfirmation(kernel, outcome, 'registered', client);
      return;
    }
    if (outcome.taken === 'other') throw new Error('registration refused by a unique key other than e-mail or username');
    // Which key the database refused first is not which one matters: a taken address always wins.
    const owner = await kernel.stores.users.findUserByEmailKey(emailKey(input.email));
    const nowMs = kernel.clock.nowMs();
    if (owner) {
      kernel.emit({ type: 'registration.duplicate', identity: input.email, reason: 'email_taken', userId: owner.id, ...origin(client), atMs: nowMs });
      await sendWithinRecipientBudget(kernel, { kind: 'existing-account', to: owner.email, userId: owner.id }, client, async () => existingAccountEmail(kernel));
      return;
    }
    kernel.emit({ type: 'registration.duplicate', identity: input.email, reason: 'username_taken', ...origin(client), atMs: nowMs });
    const username = input.username ?? '';
    await sendWithinRecipientBudget(kernel, { kind: 'username-taken', to: input.email }, client, async () => usernameTakenEmail(kernel, username));
  });
  return { pending: 'confirmation', message: CONFIRM_SENT_MESSAGE };
}
