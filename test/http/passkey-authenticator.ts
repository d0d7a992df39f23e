/**
 * @module A software WebAuthn authenticator for tests — a client, as a browser with a platform
 * authenticator is, never a stand-in for a server part. It makes P-256 keys (node:crypto), builds
 * clientDataJSON, authenticatorData (RP ID hash, flags UP/UV/BE/BS/AT, signature counter, attested
 * credential data with the COSE key) and a 'none' attestation object in CBOR (the few CBOR types
 * needed, encoded by hand below), and signs assertions. Every field a test may falsify (origin,
 * RP ID, UV, counter, challenge, credential, user handle) can be overridden per call.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  if (length < 65_536) return Buffer.from([(major << 5) | 25, length >> 8, length & 255]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

/** CBOR (RFC 8949) of integers, text, bytes and maps: what a COSE key and an attestation object need. */
export function encodeCbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
  return Buffer.concat(parts);
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface StoredKey {
  readonly credentialId: Uint8Array;
  readonly privateKey: KeyObject;
  readonly cosePublicKey: Buffer;
  readonly rpId: string;
  readonly userHandle: string;
  counter: number;
}

export interface CreationOptionsJSON {
  readonly challenge: string;
  readonly rp: { readonly id?: string; readonly name: string };
  readonly user: { readonly id: string; readonly name: string };
  readonly excludeCredentials?: readonly { readonly id: string }[];
  readonly authenticatorSelection?: { readonly residentKey?: string; readonly userVerification?: string };
}

export interface RequestOptionsJSON {
  readonly challenge: string;
  readonly rpId?: string;
  readonly allowCredentials?: readonly { readonly id: string }[];
  readonly userVerification?: string;
}

export interface CeremonyOverrides {
  /** The origin the "browser" puts in clientDataJSON. */
  readonly origin?: string;
  /** The RP ID whose hash goes into authenticatorData. */
  readonly rpId?: string;
  readonly userVerified?: boolean;
  readonly challenge?: string;
  readonly type?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Use this credential (by base64url id) whatever the options allow. */
  readonly credentialId?: string;
  /** Put this counter in authenticatorData (and remember it). */
  readonly counter?: number;
  /** Send this user handle (base64url), or null for none. */
  readonly userHandle?: string | null;
}

export interface AuthenticatorOptions {
  readonly origin: string;
  /** Whether the "user" passes verification (PIN/biometric). Default true. */
  readonly userVerification?: boolean;
  /** Counter increment per assertion (0: an authenticator that does not count, as synced passkeys). Default 1. */
  readonly counterStep?: number;
  /** Synced (backed up) credentials. Default false. */
  readonly backedUp?: boolean;
}

/** One platform authenticator holding any number of credentials (discoverable: it remembers the user handle). */
export class SoftwareAuthenticator {
  readonly keys: StoredKey[] = [];
  constructor(readonly options: AuthenticatorOptions) {}

  private flags(userVerified: boolean, extra: number): number {
    const backup = this.options.backedUp ? FLAG_BE | FLAG_BS : 0;
    return FLAG_UP | (userVerified ? FLAG_UV : 0) | backup | extra;
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /**
   * navigator.credentials.create(): a RegistrationResponseJSON as @simplewebauthn/browser sends it.
   * `existingKey`: attest a key this (or another) authenticator already holds — a copied credential.
   */
  create(options: CreationOptionsJSON, overrides: CeremonyOverrides & { readonly existingKey?: StoredKey } = {}) {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.options.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.keys.some((key) => key.rpId === rpId && excluded.has(b64url(key.credentialId)))) throw new Error('InvalidStateError: this authenticator is registered already');
    const generated = overrides.existingKey ? undefined : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateKey = overrides.existingKey?.privateKey ?? generated!.privateKey;
    const publicKey = generated?.publicKey ?? createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = encodeCbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
    const credentialId = overrides.existingKey?.credentialId ?? randomBytes(32);
    const key: StoredKey = { credentialId, privateKey, cosePublicKey: cose, rpId, userHandle: options.user.id, counter: 0 };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(overrides.userVerified ?? this.options.userVerification ?? true, FLAG_AT)]),
      Buffer.alloc(4),
      Buffer.alloc(16),
      idLength,
      credentialId,
      cose,
    ]);
    const attestationObject = encodeCbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.options.origin);
    this.keys.push(key);
    const id = b64url(credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal', 'hybrid'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /** navigator.credentials.get(): an AuthenticationResponseJSON; with no allowed credentials, any of ours for the RP (discoverable). */
  get(options: RequestOptionsJSON, overrides: AssertionOverrides = {}) {
    const rpId = overrides.rpId ?? options.rpId ?? new URL(this.options.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const key = overrides.credentialId
      ? this.keys.find((k) => b64url(k.credentialId) === overrides.credentialId)
      : this.keys.find((k) => (options.rpId === undefined || k.rpId === options.rpId) && (allowed.size === 0 || allowed.has(b64url(k.credentialId))));
    if (!key) throw new Error('NotAllowedError: no credential for these options');
    key.counter = overrides.counter ?? key.counter + (this.options.counterStep ?? 1);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(key.counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(overrides.userVerified ?? this.options.userVerification ?? true, 0)]), counter]);
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.options.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), key.privateKey);
    const userHandle = overrides.userHandle === undefined ? key.userHandle : overrides.userHandle;
    const id = b64url(key.credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }
}
