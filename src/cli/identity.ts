/** @module The CLI's e-mail and username rules: exactly the sign-up flow's, through the public API. */
export { EMAIL_MAX_LENGTH, cleanEmail, emailKey, isEmailShaped, isUsernameShaped, usernameKey } from '../index.ts';
