/** @module Multi-factor: TOTP, recovery codes, sealing secrets at rest, the pending sign-in, the MFA attempt budget, the remembered-device mark. */
export { createTotpSecret, matchTotpStep, normalizeTotpCode, totpCodeAt, totpKeyUri, totpSecretText, totpStepAt, TOTP_DIGITS, TOTP_STEP_SECONDS } from './totp.ts';
export { createSecretSealer, type SecretSealer } from './seal.ts';
export { createRecoveryCodes, recoveryCodeHash, RECOVERY_CODE_COUNT } from './recovery-codes.ts';
export { createPendingCodec, type FirstFactor, type PendingCodec, type PendingSignIn } from './pending.ts';
export { claimPendingSignIn, mfaBudgetKeys, reserveMfaAttempt, type MfaAttempt, type MfaBudgetRule } from './budget.ts';
export { qrCodeSvg } from './qr.ts';
export { createDeviceMarkCodec, type DeviceMarkCodec } from './device-mark.ts';
