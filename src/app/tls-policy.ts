/** @module The native-TLS policy of the reference server: TLS 1.2 and 1.3 only, forward secrecy and AEAD only. */
import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * Mozilla's "intermediate" TLS 1.2 suites, ECDHE only: Node's default list also offers static-RSA
 * key exchange (no forward secrecy: a stolen key decrypts recorded traffic) and CBC suites (the
 * Lucky13 / padding-oracle family). Server preference order: AES-GCM first (hardware AES), then
 * ChaCha20-Poly1305 for clients without it.
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

/**
 * Every TLS 1.3 suite is ECDHE/DHE and AEAD by construction; they are listed because a `ciphers`
 * string that names none would leave TLS 1.3 to OpenSSL's build defaults instead of this file.
 */
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** Options merged into `https.createServer` for TLS_CERT / TLS_KEY. */
export const TLS_SERVER_POLICY: Readonly<Pick<TlsOptions, 'honorCipherOrder'> & Pick<SecureContextOptions, 'minVersion' | 'ciphers'>> = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
  // Our order, not the client's: the suite chosen is the first of ours both sides have, whatever a client lists first.
  honorCipherOrder: true,
});
