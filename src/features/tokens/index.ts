/** @module API tokens: JWT access tokens with rotating signing keys, opaque refresh and personal access tokens. */
export { importSigningKeys, generateSigningKeyPem, ACCESS_TOKEN_ALGORITHM, type SigningKey, type SigningKeySet } from './signing-keys.ts';
export { createAccessTokenCodec, type AccessTokenClaims, type AccessTokenCodec } from './access-token.ts';
export { createOpaqueToken, opaqueKind, hashOpaqueToken, API_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, RESET_TOKEN_PREFIX, type OpaqueKind } from './opaque.ts';
export { parseBearer } from './bearer.ts';
