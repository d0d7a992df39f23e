/**
 * @module Flash messages after redirects. The cookie carries only a key of this fixed catalogue,
 * so a forged cookie can at most show one of our own sentences.
 */

export const FLASH_MESSAGES = {
  registered: { kind: 'success', text: 'Welcome! Your account is ready.' },
  logged_in: { kind: 'success', text: 'You are logged in.' },
  logged_out: { kind: 'info', text: 'You have been logged out.' },
  verified: { kind: 'success', text: 'Thanks — you can continue.' },
  session_revoked: { kind: 'info', text: 'The session was revoked.' },
  sessions_revoked: { kind: 'info', text: 'All your other sessions were revoked.' },
  device_forgotten: { kind: 'info', text: 'The device was forgotten: it will be asked for a second factor at its next sign-in.' },
  login_required: { kind: 'info', text: 'Please log in to continue.' },
  reauth_required: { kind: 'info', text: 'Please confirm your password to continue.' },
  role_granted: { kind: 'success', text: 'Role granted.' },
  role_revoked: { kind: 'success', text: 'Role revoked.' },
  user_activated: { kind: 'success', text: 'User reactivated.' },
  user_deactivated: { kind: 'success', text: 'User deactivated; their sessions were ended.' },
  unknown_role: { kind: 'error', text: 'That role does not exist.' },
  user_unlocked: { kind: 'success', text: 'The login lock-out was cleared.' },
  user_signed_out: { kind: 'success', text: 'Every session and token of that user was ended.' },
  api_token_revoked: { kind: 'info', text: 'The API token was revoked.' },
  reset_sent: { kind: 'info', text: 'If an account exists for that e-mail, a link to reset its password is on its way.' },
  password_reset: { kind: 'success', text: 'Your password has been changed. Log in with the new one.' },
  password_changed: { kind: 'success', text: 'Your password has been changed. Every other session and API token was signed out.' },
  confirm_sent: { kind: 'info', text: 'Check your e-mail to finish signing up.' },
  confirmation_resent: { kind: 'info', text: 'If that address has an account waiting for confirmation, a new link is on its way.' },
  email_confirmed: { kind: 'success', text: 'Your e-mail address is confirmed.' },
  email_change_sent: { kind: 'info', text: 'Check the new address for a link to confirm the change.' },
  email_changed: { kind: 'success', text: 'Your e-mail address has been changed.' },
  identity_linked: { kind: 'success', text: 'The provider was linked: you can now sign in with it.' },
  identity_unlinked: { kind: 'info', text: 'The provider was unlinked.' },
  mfa_sign_in_expired: { kind: 'info', text: 'Your sign-in expired before the second step. Log in again.' },
  mfa_enabled: { kind: 'success', text: 'Two-step sign-in is on.' },
  mfa_reset: { kind: 'success', text: 'The user\'s second factors were removed; they sign in with their password again.' },
  mfa_removed: { kind: 'info', text: 'The authenticator app was removed. Two-step sign-in is off.' },
  email_signin_sent: { kind: 'info', text: 'If that address has an account, a sign-in code is on its way.' },
} as const satisfies Record<string, { kind: 'success' | 'info' | 'error'; text: string }>;

export type FlashKey = keyof typeof FLASH_MESSAGES;
export type FlashMessage = (typeof FLASH_MESSAGES)[FlashKey];

export const FLASH_COOKIE = 'portcullis_flash';

export function isFlashKey(value: string | undefined): value is FlashKey {
  return value !== undefined && Object.hasOwn(FLASH_MESSAGES, value);
}
