import { describe, expect, it } from 'vitest';
import { chooseGitHubEmail, openFlow, profileFromClaims, sealFlow, type OAuthFlow } from './index.ts';

const SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
const flow: OAuthFlow = { provider: 'corp', state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), next: '/docs', link: null, expiresAtMs: 2_000 };

describe('profileFromClaims', () => {
  const base = { iss: 'https://id.example', sub: 'user-1', email: 'Ann@Example.com' };
  it('counts an e-mail as verified only for the boolean true', () => {
    expect(profileFromClaims({ ...base, email_verified: true })?.emailVerified).toBe(true);
    for (const claim of ['true', 'false', 1, null, undefined, false]) {
      expect(profileFromClaims({ ...base, email_verified: claim })?.emailVerified).toBe(false);
    }
  });
  it('needs a usable issuer and subject; an unusable e-mail becomes none', () => {
    expect(profileFromClaims({ ...base, sub: '' })).toBeUndefined();
    expect(profileFromClaims({ ...base, sub: 42 })).toBeUndefined();
    expect(profileFromClaims({ ...base, iss: undefined })).toBeUndefined();
    expect(profileFromClaims({ ...base, email: 'not an address', email_verified: true })).toEqual({ issuer: base.iss, subject: 'user-1', email: null, emailVerified: false });
  });
});

describe('chooseGitHubEmail', () => {
  it('prefers the primary verified address, then any verified one, never calls an unverified one verified', () => {
    expect(chooseGitHubEmail([{ email: 'a@x.io', verified: true }, { email: 'p@x.io', primary: true, verified: true }])).toEqual({ email: 'p@x.io', verified: true });
    expect(chooseGitHubEmail([{ email: 'p@x.io', primary: true, verified: false }, { email: 'a@x.io', verified: true }])).toEqual({ email: 'a@x.io', verified: true });
    expect(chooseGitHubEmail([{ email: 'p@x.io', primary: true, verified: 'true' }])).toEqual({ email: 'p@x.io', verified: false });
    expect(chooseGitHubEmail([])).toEqual({ email: null, verified: false });
  });
});

describe('the flow cookie', () => {
  it('opens what it sealed until it expires', () => {
    const sealed = sealFlow(SECRET, flow);
    expect(sealed).toMatch(/^[\w.~-]+$/);
    expect(openFlow(SECRET, sealed, 1_000)).toEqual(flow);
    expect(openFlow(SECRET, sealed, 2_000)).toBeUndefined();
  });
  it('refuses a changed byte, another secret, and junk', () => {
    const sealed = sealFlow(SECRET, flow);
    const [body, mac] = sealed.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...flow, provider: 'evil' })).toString('base64url');
    expect(openFlow(SECRET, `${forged}.${mac}`, 1_000)).toBeUndefined();
    expect(openFlow(`${SECRET}x`, sealed, 1_000)).toBeUndefined();
    expect(openFlow(SECRET, `${body}.`, 1_000)).toBeUndefined();
    expect(openFlow(SECRET, 'junk', 1_000)).toBeUndefined();
    expect(openFlow(SECRET, undefined, 1_000)).toBeUndefined();
  });
});
