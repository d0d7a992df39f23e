/**
 * @module Opaque tokens: refresh (`pcrt_…`), personal access (`pcat_…`), password-reset (`pcrs_…`),
 * e-mail confirmation (`pccf_…`) and change-of-e-mail (`pcce_…`) tokens. The
 * prefixes let secret scanners recognise a leaked token; only the SHA-256 is ever stored.
 */
import { createSecretToken, sha256Hex, type RandomSource } from '../../core/crypto/index.ts';

export const REFRESH_TOKEN_PREFIX = 'pcrt_';
export const API_TOKEN_PREFIX = 'pcat_';
export const RESET_TOKEN_PREFIX = 'pcrs_';
export const CONFIRM_TOKEN_PREFIX = 'pccf_';
export const EMAIL_CHANGE_TOKEN_PREFIX = 'pcce_';

export type OpaqueKind = 'refresh' | 'api' | 'reset' | 'confirm' | 'email-change';

const PREFIXES: Record<OpaqueKind, string> = {
  refresh: REFRESH_TOKEN_PREFIX,
  api: API_TOKEN_PREFIX,
  reset: RESET_TOKEN_PREFIX,
  confirm: CONFIRM_TOKEN_PREFIX,
  'email-change': EMAIL_CHANGE_TOKEN_PREFIX,
};
const KINDS: Record<string, OpaqueKind> = { rt: 'refresh', at: 'api', rs: 'reset', cf: 'confirm', ce: 'email-change' };
const SHAPE = /^pc(rt|at|rs|cf|ce)_[\w-]{43}$/;

export function createOpaqueToken(kind: OpaqueKind, random: RandomSource): { token: string; tokenHash: string; hint: string } {
  const token = PREFIXES[kind] + createSecretToken(random);
  return { token, tokenHash: sha256Hex(token), hint: token.slice(0, 9) };
}

/** The kind of a well-formed opaque token, or undefined: malformed values are never looked up. */
export function opaqueKind(token: string): OpaqueKind | undefined {
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  return KINDS[match[1] ?? ''];
}

export { sha256Hex as hashOpaqueToken };
