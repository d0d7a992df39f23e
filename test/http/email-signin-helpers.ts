/**
 * @module Helpers for the e-mail sign-in tests: an app with EMAIL_SIGNIN on (confirmation optional,
 * so a new account is signed in and unconfirmed) and a real SMTP server, and the code and link
 * found in the received sign-in mail.
 */
import { expect } from 'vitest';
import { createIdentityApp, subjectOf, textOf, type IdentityApp } from './identity-helpers.ts';
import type { Client, Overrides } from './harness.ts';

export const SIGN_IN_SUBJECT = 'Your sign-in code';

export function createEmailSignInApp(overrides: Overrides = {}): Promise<IdentityApp> {
  return createIdentityApp('optional', { ...overrides, identity: { emailSignIn: true, ...overrides.identity } });
}

export interface SignInMail {
  readonly code: string;
  /** The link's path and query (`/auth/email-signin/verify?token=…`). */
  readonly link: string;
}

/** The sign-in mails `address` has received so far, newest last. */
export async function signInMails(app: IdentityApp, address: string): Promise<SignInMail[]> {
  const mails = (await app.mailTo(address)).filter((mail) => subjectOf(mail) === SIGN_IN_SUBJECT);
  return mails.map((mail) => {
    const text = textOf(mail);
    const code = /sign-in code is (\d{6})/.exec(text)?.[1];
    const link = /https?:\/\/[^\s/]+(\/auth\/email-signin\/verify\?token=[^\s<>"]+)/.exec(text)?.[1];
    if (!code || !link) throw new Error(`no code or link in the sign-in mail:\n${text}`);
    return { code, link };
  });
}

/** `client` asks for a code for `email` (200, the generic answer) and the one new mail arrives. */
export async function askForCode(app: IdentityApp, client: Client, email: string): Promise<SignInMail> {
  const before = (await signInMails(app, email)).length;
  const { res } = await client.json('/auth/email-signin', { json: { email } });
  expect(res.status).toBe(200);
  const mails = await signInMails(app, email);
  expect(mails).toHaveLength(before + 1);
  return mails[mails.length - 1] as SignInMail;
}
