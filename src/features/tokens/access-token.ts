/**
 * @module Access tokens: short-lived JWTs with minimal claims (`sub`, `sid` = refresh family,
 * `iat`, `exp`, `iss`, `aud`). Only EdDSA with our own keys verifies: `alg: none`, HS256 made
 * with the public key, other keys, wrong audience and expired tokens are all refused.
 */
import { SignJWT, createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, type SigningKeySet } from './signing-keys.ts';

export interface AccessTokenClaims {
  readonly userId: string;
  readonly familyId: string;
  readonly issuedAtSeconds: number;
  readonly expiresAtSeconds: number;
}

export interface AccessTokenCodec {
  sign(input: { userId: string; familyId: string; nowMs: number; ttlMs: number }): Promise<string>;
  /** The claims, or undefined for anything that is not a valid, current token of ours. */
  verify(token: string, nowMs: number): Promise<AccessTokenClaims | undefined>;
}

const MAX_REMEMBERED = 20_000;

/** Three base64url segments; anything else is not even looked at. */
const JWT_SHAPE = /^[\w-]{10,1000}\.[\w-]{10,2000}\.[\w-]{20,200}$/;

export function createAccessTokenCodec(keys: SigningKeySet, options: { issuer: string; audience: string; clockToleranceSeconds?: number }): AccessTokenCodec {
  const keySet: JWTVerifyGetKey = createLocalJWKSet({ keys: [...keys.jwks.keys] });
  const toleranceMs = (options.clockToleranceSeconds ?? 5) * 1000;
  const verified = new Map<string, AccessTokenClaims>();
  return {
    async sign({ userId, familyId, nowMs, ttlMs }) {
      const iat = Math.floor(nowMs / 1000);
      return new SignJWT({ sid: familyId })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: keys.current.kid, typ: 'at+jwt' })
        .setSubject(userId)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + Math.max(1, Math.round(ttlMs / 1000)))
        .sign(keys.current.privateKey);
    },
    async verify(token, nowMs) {
      if (!JWT_SHAPE.test(token)) return undefined;
      // A token verified once is remembered until it expires: its signature cannot change, and
      // `exp` is checked again on every hit. This spares the WebCrypto verify on repeat requests.
      const known = verified.get(token);
      if (known) {
        if (known.expiresAtSeconds * 1000 > nowMs - toleranceMs) return known;
        verified.delete(token);
        return undefined;
      }
      const claims = await verifyOnce(token, nowMs);
      if (claims) {
        if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
      }
      return claims;
    },
  };

  async function verifyOnce(token: string, nowMs: number): Promise<AccessTokenClaims | undefined> {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [ACCESS_TOKEN_ALGORITHM],
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
          currentDate: new Date(nowMs),
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ['sub', 'sid', 'iat', 'exp'],
        });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') {
          return undefined;
        }
        if (payload.iat * 1000 > nowMs + 5_000) return undefined;
        return { userId: payload.sub, familyId: payload.sid, issuedAtSeconds: payload.iat, expiresAtSeconds: payload.exp };
      } catch {
        return undefined;
      }
  }
}
