import { describe, expect, it } from 'vitest';
import { readAuthenticationResponse, readRegistrationResponse } from './passkey-response.ts';

const assertion = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln', userHandle: 'dTE' },
  clientExtensionResults: {},
  authenticatorAttachment: 'platform',
};
const attestation = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', attestationObject: 'o2Nm', transports: ['internal', 7, 'hybrid'] },
  clientExtensionResults: {},
};

describe('passkey responses', () => {
  it('reads the known fields of an assertion, as an object or as JSON text (forms), and drops the rest', () => {
    const expected = { ...assertion, type: 'public-key' };
    expect(readAuthenticationResponse(assertion)).toEqual(expected);
    expect(readAuthenticationResponse(JSON.stringify(assertion))).toEqual(expected);
    const extra = readAuthenticationResponse({ ...assertion, evil: 1, response: { ...assertion.response, more: 'x' }, clientExtensionResults: { appid: true } });
    expect(extra).toEqual(expected);
    const { userHandle: _, ...withoutHandle } = assertion.response;
    expect(readAuthenticationResponse({ ...assertion, response: withoutHandle })?.response.userHandle).toBeUndefined();
  });

  it('reads an attestation with its transports (strings only)', () => {
    expect(readRegistrationResponse(attestation)?.response).toEqual({ clientDataJSON: 'e30', attestationObject: 'o2Nm', transports: ['internal', 'hybrid'] });
  });

  it('refuses what is not one: wrong type, id ≠ rawId, not base64url, too long, missing parts, not an object', () => {
    const bad: unknown[] = [
      undefined,
      null,
      42,
      'not json',
      [],
      { ...assertion, type: 'password' },
      { ...assertion, rawId: 'b3RoZXI' },
      { ...assertion, id: 'a+b/' , rawId: 'a+b/' },
      { ...assertion, id: 'A'.repeat(1365), rawId: 'A'.repeat(1365) },
      { ...assertion, response: { ...assertion.response, signature: undefined } },
      { ...assertion, response: { ...assertion.response, signature: 'A'.repeat(1025) } },
      { ...assertion, response: { ...assertion.response, userHandle: 12 } },
      { ...assertion, response: JSON.stringify(assertion.response) },
      { ...assertion, clientExtensionResults: 'x' },
      'x'.repeat(40_000),
    ];
    for (const value of bad) expect(readAuthenticationResponse(value), JSON.stringify(value)?.slice(0, 80)).toBeUndefined();
    expect(readRegistrationResponse(assertion)).toBeUndefined();
    expect(readAuthenticationResponse(attestation)).toBeUndefined();
  });
});
