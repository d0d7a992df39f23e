/**
 * @module WebAuthn on @simplewebauthn/server 13: the relying party (from the configured public
 * origin only — never a Host or Origin header), the options for `navigator.credentials.create/get`
 * (as @simplewebauthn/browser takes them), and the verification of what the authenticator
 * answered. Every check the library makes (challenge, origin, RP ID hash, type, user presence,
 * user verification when required, signature, counter) is made here; a refusal is a `false`.
 */
import { isIP } from 'node:net';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';

export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

/** Where passkeys are valid: the RP ID (the public origin's host name) and the one origin a response may come from. */
export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origin: string;
}

/** Passkey options stay valid this long (the challenge's life; the browser's own timeout is the same). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * The relying party of a public origin; undefined when its host is an IP address — WebAuthn
 * accepts only a domain name as RP ID (use `http://localhost:PORT` in development).
 */
export function relyingPartyOf(publicOrigin: string, name: string): RelyingParty | undefined {
  const url = new URL(publicOrigin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '' || isIP(host) !== 0) return undefined;
  return { id: host, name, origin: url.origin };
}

const TRANSPORTS: ReadonlySet<string> = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The transports worth keeping from what a browser reported (known names only). */
export function knownTransports(reported: readonly unknown[] | undefined): AuthenticatorTransportFuture[] {
  return [...new Set((reported ?? []).filter((t): t is AuthenticatorTransportFuture => typeof t === 'string' && TRANSPORTS.has(t)))];
}

export interface StoredCredential {
  readonly credentialId: string;
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
}

const descriptor = (credential: StoredCredential) => ({ id: credential.credentialId, transports: knownTransports(credential.transports) });

export function passkeyRegistrationOptions(
  rp: RelyingParty,
  user: { readonly id: string; readonly name: string },
  existing: readonly StoredCredential[],
  challenge: Uint8Array,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.name,
    userDisplayName: user.name,
    // The user handle: the account's opaque id (no e-mail), so a passwordless assertion names its account.
    userID: new TextEncoder().encode(user.id),
    challenge: Uint8Array.from(challenge),
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map(descriptor),
    // Discoverable when the authenticator can (passwordless needs it); user verification when it can.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    // ES256, EdDSA, RS256.
    supportedAlgorithmIDs: [-7, -8, -257],
  });
}

/** Options for an assertion: `allow` the user's credentials (second factor, step-up), or none (passwordless: any discoverable one). */
export function passkeyAuthenticationOptions(
  rp: RelyingParty,
  allow: readonly StoredCredential[] | undefined,
  challenge: Uint8Array,
  userVerification: 'required' | 'preferred',
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: Uint8Array.from(challenge),
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    userVerification,
    ...(allow ? { allowCredentials: allow.map(descriptor) } : {}),
  });
}

export interface RegisteredPasskey {
  readonly credentialId: string;
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: AuthenticatorTransportFuture[];
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
}

/** The new credential, when the attestation is for our RP ID, origin and `challenge` check; otherwise undefined. */
export async function verifyPasskeyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challengeMatches: (challenge: string) => boolean,
): Promise<RegisteredPasskey | undefined> {
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challengeMatches,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: false,
    });
  } catch {
    return undefined;
  }
  if (!verified.verified) return undefined;
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  // The id the browser names must be the one the authenticator attested (the library reads only the latter).
  if (credential.id !== response.id) return undefined;
  return {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: knownTransports(response.response.transports),
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
  };
}

export interface VerifiedAssertion {
  readonly counter: number;
  readonly backedUp: boolean;
  readonly userVerified: boolean;
}

/**
 * The assertion, checked against the stored credential: challenge, origin, RP ID hash, type,
 * presence, signature, and a counter that moved forward (when either side counts); user
 * verification too when `requireUserVerification`. Undefined when any check fails.
 */
export async function verifyPasskeyAssertion(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  credential: StoredCredential,
  challengeMatches: (challenge: string) => boolean,
  requireUserVerification: boolean,
): Promise<VerifiedAssertion | undefined> {
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challengeMatches,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      expectedType: 'webauthn.get',
      credential: {
        id: credential.credentialId,
        publicKey: Buffer.from(credential.publicKey, 'base64url'),
        counter: credential.counter,
        transports: knownTransports(credential.transports),
      },
      requireUserVerification,
    });
    if (!verified.verified) return undefined;
    const info = verified.authenticationInfo;
    return { counter: info.newCounter, backedUp: info.credentialBackedUp, userVerified: info.userVerified };
  } catch {
    return undefined;
  }
}
