/**
 * @module Social sign-in providers as configuration data: the presets (GitHub, Google, Microsoft
 * Entra ID, GitLab, Apple) and the shape of one configured provider. No behaviour lives here:
 * features/oauth turns a provider into requests; config.ts validates and fills it from a preset.
 */

/** How a provider proves who signed in: an OpenID Connect ID token, or GitHub's OAuth 2.0 + user API. */
export type OAuthProtocol = 'oidc' | 'github';

/**
 * How the provider sends its answer back: `query` — a top-level GET to the callback (the default);
 * `form_post` — its page POSTs the answer to the callback (OAuth 2.0 Form Post Response Mode), as
 * Apple requires whenever the `email` or `name` scope is asked.
 */
export type OAuthResponseMode = 'query' | 'form_post';

export interface OAuthPreset {
  readonly label: string;
  readonly protocol: OAuthProtocol;
  /** The issuer to discover (OIDC), or the identifier stored with GitHub identities; null: it must be configured (a tenant). */
  readonly issuer: string | null;
  readonly scopes: readonly string[];
  /** OAuth 2.0 endpoints for a protocol without discovery. */
  readonly endpoints?: { readonly authorization: string; readonly token: string; readonly user: string; readonly emails: string };
  /** What the issuer setting must look like, when it has no default. */
  readonly issuerHint?: string;
  /** Scopes that make the provider answer only by form_post (Apple: `email`, `name`). */
  readonly formPostScopes?: readonly string[];
}

export const OAUTH_PRESETS = {
  github: {
    label: 'GitHub',
    protocol: 'github',
    issuer: 'https://github.com',
    scopes: ['read:user', 'user:email'],
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      user: 'https://api.github.com/user',
      emails: 'https://api.github.com/user/emails',
    },
  },
  google: { label: 'Google', protocol: 'oidc', issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] },
  microsoft: {
    label: 'Microsoft',
    protocol: 'oidc',
    // One tenant's issuer: the multi-tenant `common` endpoint's discovery names a templated issuer that no ID token carries.
    issuer: null,
    issuerHint: 'https://login.microsoftonline.com/<tenant-id>/v2.0',
    scopes: ['openid', 'email', 'profile'],
  },
  gitlab: { label: 'GitLab', protocol: 'oidc', issuer: 'https://gitlab.com', scopes: ['openid', 'email', 'profile'] },
  apple: { label: 'Apple', protocol: 'oidc', issuer: 'https://appleid.apple.com', scopes: ['openid', 'email'], formPostScopes: ['email', 'name'] },
} as const satisfies Record<string, OAuthPreset>;

export type OAuthPresetName = keyof typeof OAUTH_PRESETS;

export function presetOf(name: string): OAuthPreset | undefined {
  return Object.hasOwn(OAUTH_PRESETS, name) ? OAUTH_PRESETS[name as OAuthPresetName] : undefined;
}

/** The configured mode, else form_post when a preset needs it for one of the scopes asked, else query. */
export function responseModeFor(preset: OAuthPreset | undefined, scopes: readonly string[], configured: OAuthResponseMode | null | undefined): OAuthResponseMode {
  if (configured) return configured;
  return preset?.formPostScopes?.some((scope) => scopes.includes(scope)) ? 'form_post' : 'query';
}

/** One configured provider, presets filled in: what features/oauth builds a client from. */
export interface OAuthProvider {
  /** The key in the URL (`/auth/oauth/:name`) and in OAUTH_<NAME>_…: lower-case letters and digits. */
  readonly name: string;
  readonly label: string;
  readonly protocol: OAuthProtocol;
  readonly clientId: string;
  /** Null for a public client (PKCE only). Never logged, never shown. */
  readonly clientSecret: string | null;
  readonly issuer: string;
  readonly scopes: readonly string[];
  /** `form_post`: the answer arrives as a POST to the callback (docs/social-login.md, "Form post"). */
  readonly responseMode: OAuthResponseMode;
}

/** What code (or the environment) gives for one provider; a preset's name fills the rest. */
export interface OAuthProviderOptions {
  readonly clientId: string;
  readonly clientSecret?: string | null;
  readonly issuer?: string | null;
  readonly scopes?: readonly string[] | null;
  readonly label?: string | null;
  /** Default: `form_post` where the preset needs it for the scopes asked (Apple), else `query`. */
  readonly responseMode?: OAuthResponseMode | null;
}

export const OAUTH_PROVIDER_NAME = /^[a-z][a-z0-9]{0,31}$/;

/** An issuer must be https — or http on a loopback host (a provider on this machine: development and tests). */
export function isAcceptableIssuer(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.search || url.hash || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
