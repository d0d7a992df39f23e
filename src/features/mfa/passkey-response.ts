/**
 * @module The shape of what a browser sends back from `navigator.credentials.create/get`
 * (@simplewebauthn/browser's RegistrationResponseJSON / AuthenticationResponseJSON): a JSON
 * object, or its text in a form field. Only the known fields, base64url where the spec says so,
 * each bounded; anything else is undefined (400 to the caller), before any key is looked up.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

const B64URL = /^[\w-]*$/;
/** WebAuthn caps a credential id at 1023 bytes: 1364 base64url characters. */
const MAX_ID = 1364;

type Fields = Readonly<Record<string, unknown>>;

function objectOf(value: unknown): Fields | undefined {
  if (typeof value === 'string') {
    if (value.length > 32_768) return undefined;
    try {
      return objectOf(JSON.parse(value) as unknown);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;
}

function b64url(value: unknown, maxLength: number, minLength = 1): string | undefined {
  return typeof value === 'string' && value.length >= minLength && value.length <= maxLength && B64URL.test(value) ? value : undefined;
}

function common(value: unknown): { outer: Fields; inner: Fields; id: string } | undefined {
  const outer = objectOf(value);
  if (!outer || outer.type !== 'public-key') return undefined;
  const id = b64url(outer.id, MAX_ID);
  if (!id || outer.rawId !== id) return undefined;
  const inner = objectOf(outer.response);
  if (!inner || typeof outer.response === 'string') return undefined;
  if (outer.clientExtensionResults !== undefined && objectOf(outer.clientExtensionResults) === undefined) return undefined;
  return { outer, inner, id };
}

const attachment = (value: unknown): { authenticatorAttachment?: 'platform' | 'cross-platform' } =>
  value === 'platform' || value === 'cross-platform' ? { authenticatorAttachment: value } : {};

export function readRegistrationResponse(value: unknown): RegistrationResponseJSON | undefined {
  const parts = common(value);
  if (!parts) return undefined;
  const clientDataJSON = b64url(parts.inner.clientDataJSON, 4096);
  const attestationObject = b64url(parts.inner.attestationObject, 16_384);
  if (!clientDataJSON || !attestationObject) return undefined;
  const transports = Array.isArray(parts.inner.transports) ? parts.inner.transports.filter((t): t is string => typeof t === 'string' && t.length <= 16).slice(0, 8) : [];
  return {
    id: parts.id,
    rawId: parts.id,
    type: 'public-key',
    response: { clientDataJSON, attestationObject, transports: transports as RegistrationResponseJSON['response']['transports'] },
    clientExtensionResults: {},
    ...attachment(parts.outer.authenticatorAttachment),
  };
}

export function readAuthenticationResponse(value: unknown): AuthenticationResponseJSON | undefined {
  const parts = common(value);
  if (!parts) return undefined;
  const clientDataJSON = b64url(parts.inner.clientDataJSON, 4096);
  const authenticatorData = b64url(parts.inner.authenticatorData, 4096);
  const signature = b64url(parts.inner.signature, 1024);
  if (!clientDataJSON || !authenticatorData || !signature) return undefined;
  const given = parts.inner.userHandle;
  const userHandle = given === undefined || given === null || given === '' ? undefined : b64url(given, 128);
  if (given !== undefined && given !== null && given !== '' && userHandle === undefined) return undefined;
  return {
    id: parts.id,
    rawId: parts.id,
    type: 'public-key',
    response: { clientDataJSON, authenticatorData, signature, ...(userHandle ? { userHandle } : {}) },
    clientExtensionResults: {},
    ...attachment(parts.outer.authenticatorAttachment),
  };
}
