/** @module Multi-factor: TOTP, recovery codes, passkeys (WebAuthn), sealing secrets at rest, the pending sign-in, the MFA attempt budget, the remembered-device mark. */
export { createTotpSecret, matchTotpStep, normalizeTotpCode, totpCodeAt, totpKeyUri, totpSecretText, totpStepAt, TOTP_DIGITS, TOTP_STEP_SECONDS } from './totp.ts';
export { createSecretSealer, type SecretSealer } from './seal.ts';
export { createRecoveryCodes, recoveryCodeHash, RECOVERY_CODE_COUNT } from './recovery-codes.ts';
export { createPendingCodec, type FirstFactor, type PendingCodec, type PendingSignIn } from './pending.ts';
export { claimPendingSignIn, mfaBudgetKeys, reserveMfaAttempt, type MfaAttempt, type MfaBudgetRule } from './budget.ts';
export { qrCodeSvg } from './qr.ts';
export { claimPasskeyChallenge, createPasskeyChallengeCodec, type PasskeyChallengeCodec, type PasskeyChallengePurpose } from './passkey-challenge.ts';
export { readAuthenticationResponse, readRegistrationResponse } from './passkey-response.ts';
export {
  PASSKEY_CHALLENGE_TTL_MS,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  relyingPartyOf,
  verifyPasskeyAssertion,
  verifyPasskeyRegistration,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type RelyingParty,
} from './webauthn.ts';
export { createDeviceMarkCodec, type DeviceMarkCodec } from './device-mark.ts';
