import { describe, expect, it } from 'vitest';
import { relyingPartyOf } from './webauthn.ts';

describe('relying party', () => {
  it('is the public origin: its host name as RP ID, the origin as the one allowed', () => {
    expect(relyingPartyOf('https://auth.example.com', 'Portcullis')).toEqual({ id: 'auth.example.com', name: 'Portcullis', origin: 'https://auth.example.com' });
    expect(relyingPartyOf('http://localhost:3000', 'P')).toEqual({ id: 'localhost', name: 'P', origin: 'http://localhost:3000' });
    expect(relyingPartyOf('https://Example.COM:8443/', 'P')).toEqual({ id: 'example.com', name: 'P', origin: 'https://example.com:8443' });
  });

  it('is none for an IP address (WebAuthn refuses one as RP ID): passkeys are off', () => {
    for (const origin of ['http://127.0.0.1:3000', 'https://10.0.0.1', 'http://[::1]:3000', 'https://[2001:db8::1]']) expect(relyingPartyOf(origin, 'P'), origin).toBeUndefined();
  });
});
