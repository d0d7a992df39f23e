/** @module Password hashing (argon2id, off the event loop) and the length policy. */
export { createPasswordHasher, type PasswordHasher, type Argon2Params, OWASP_ARGON2ID } from './hasher.ts';
export { checkPasswordPolicy, type PasswordPolicy } from './policy.ts';
