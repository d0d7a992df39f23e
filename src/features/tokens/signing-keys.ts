/**
 * @module Access-token signing keys (EdDSA / Ed25519 through jose): the current key signs, the
 * previous ones still verify, and all public halves are published as a JWKS document.
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';

export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface SigningKeySet {
  /** Signs new tokens. */
  readonly current: SigningKey;
  /** Current first, then the previous keys: every key that may verify. */
  readonly all: readonly SigningKey[];
  /** `{"keys": [...]}` — public keys only, for `/.well-known/jwks.json`. */
  readonly jwks: { readonly keys: readonly JWK[] };
}

async function fromPrivateKey(privateKey: CryptoKey): Promise<SigningKey> {
  const { d: _private, ...publicJwk } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' } };
}

/** Imports PKCS#8 PEM Ed25519 private keys: the first signs, the rest verify (rotation). */
export async function importSigningKeys(pems: readonly string[]): Promise<SigningKeySet> {
  if (pems.length === 0) throw new Error('at least one signing key is needed');
  const keys = await Promise.all(pems.map(async (pem) => fromPrivateKey(await importPKCS8(pem, ACCESS_TOKEN_ALGORITHM, { extractable: true }))));
  return { current: keys[0] as SigningKey, all: keys, jwks: { keys: keys.map((k) => k.publicJwk) } };
}

/** A fresh Ed25519 key as PKCS#8 PEM (development: generated once and kept in the data directory). */
export async function generateSigningKeyPem(): Promise<string> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  return exportPKCS8(privateKey);
}
