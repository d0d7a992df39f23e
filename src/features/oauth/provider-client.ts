/**
 * @module One provider's client on openid-client 6: issuer discovery (OIDC) or fixed endpoints
 * (GitHub's OAuth 2.0), the authorization URL (code flow, PKCE S256, state, nonce), and the code
 * exchange with every check of the response — state, `iss`, PKCE at the provider, and for OIDC the
 * ID token's signature against the discovered keys, algorithm from discovery, issuer, audience,
 * expiry and nonce. What comes back is a verified profile, or a ProviderRefusal.
 */
import * as oidc from 'openid-client';
import { isLoopbackHost, type OAuthProvider } from '../../core/oauth-presets.ts';
import { OAUTH_PRESETS } from '../../core/oauth-presets.ts';
import { readGitHubProfile } from './github.ts';
import { profileFromClaims, type ProviderProfile } from './profile.ts';

/** The fetch every request to a provider goes through (an egress proxy, or a test's recorder). */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Why a provider's answer was not accepted (the audit trail's reason; the browser sees one friendly page). */
export type ProviderRefusalReason = 'unreachable' | 'token_rejected' | 'id_token_invalid' | 'profile_invalid';

export class ProviderRefusal extends Error {
  constructor(
    readonly reason: ProviderRefusalReason,
    cause?: unknown,
  ) {
    super(`provider answer refused: ${reason}`, { cause });
    this.name = 'ProviderRefusal';
  }
}

export interface AuthorizationRequest {
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
  readonly redirectUri: string;
}

export interface CodeExchange {
  /** The callback URL as the provider sent the browser to it: our redirect URI plus its query. */
  readonly callbackUrl: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface ProviderClient {
  readonly provider: OAuthProvider;
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  exchangeCode(exchange: CodeExchange): Promise<ProviderProfile>;
}

const TIMEOUT_SECONDS = 10;

function clientAuthFor(provider: OAuthProvider, supported: readonly string[] | undefined): oidc.ClientAuth {
  if (provider.clientSecret === null) return oidc.None();
  if (provider.protocol === 'github') return oidc.ClientSecretPost(provider.clientSecret);
  return !supported || supported.includes('client_secret_basic') ? oidc.ClientSecretBasic(provider.clientSecret) : oidc.ClientSecretPost(provider.clientSecret);
}

/** Plain HTTP only to a provider on this machine (config.ts refuses any other http issuer). */
function isInsecureLoopback(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function createProviderClient(provider: OAuthProvider, fetchImpl?: ProviderFetch): ProviderClient {
  const execute = isInsecureLoopback(provider.issuer) ? [oidc.allowInsecureRequests] : [];
  const customFetch: oidc.CustomFetch | undefined = fetchImpl ? (url, options) => fetchImpl(url, options as RequestInit) : undefined;
  let configuration: Promise<oidc.Configuration> | undefined;

  async function configure(): Promise<oidc.Configuration> {
    let config: oidc.Configuration;
    if (provider.protocol === 'github') {
      const endpoints = OAUTH_PRESETS.github.endpoints;
      const server = { issuer: provider.issuer, authorization_endpoint: endpoints.authorization, token_endpoint: endpoints.token };
      config = new oidc.Configuration(server, provider.clientId, undefined, clientAuthFor(provider, undefined));
      for (const run of execute) run(config);
    } else {
      // Discovery, then the client authentication the provider says it takes.
      const probe = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, oidc.None(), {
        execute,
        timeout: TIMEOUT_SECONDS,
        ...(customFetch ? { [oidc.customFetch]: customFetch } : {}),
      });
      const server = probe.serverMetadata();
      config = new oidc.Configuration(server, provider.clientId, undefined, clientAuthFor(provider, server.token_endpoint_auth_methods_supported));
      for (const run of execute) run(config);
      // ID tokens are verified against the discovered keys, not only trusted for coming over TLS.
      oidc.enableNonRepudiationChecks(config);
    }
    config.timeout = TIMEOUT_SECONDS;
    if (customFetch) config[oidc.customFetch] = customFetch;
    return config;
  }

  /** Discovered once; a failed discovery is forgotten, so the next sign-in tries again. */
  function configured(): Promise<oidc.Configuration> {
    configuration ??= configure().catch((error: unknown) => {
      configuration = undefined;
      throw new ProviderRefusal('unreachable', error);
    });
    return configuration;
  }

  return {
    provider,
    async authorizationUrl(request) {
      const config = await configured();
      const parameters: Record<string, string> = {
        response_type: 'code',
        redirect_uri: request.redirectUri,
        scope: provider.scopes.join(' '),
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
      };
      if (provider.protocol === 'oidc') parameters.nonce = request.nonce;
      // The answer comes back as a POST to the callback (Apple, when e-mail or name is asked).
      if (provider.responseMode === 'form_post') parameters.response_mode = 'form_post';
      return oidc.buildAuthorizationUrl(config, parameters);
    },
    async exchangeCode(exchange) {
      const config = await configured();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(
          config,
          exchange.callbackUrl,
          provider.protocol === 'oidc'
            ? { expectedState: exchange.state, expectedNonce: exchange.nonce, pkceCodeVerifier: exchange.codeVerifier, idTokenExpected: true }
            : { expectedState: exchange.state, pkceCodeVerifier: exchange.codeVerifier },
        );
      } catch (error) {
        throw new ProviderRefusal(isIdTokenProblem(error) ? 'id_token_invalid' : 'token_rejected', error);
      }
      if (provider.protocol === 'github') {
        return readGitHubProfile(tokens.access_token, provider.issuer, fetchImpl ?? fetch).catch((error: unknown) => {
          throw new ProviderRefusal('profile_invalid', error);
        });
      }
      const claims = tokens.claims();
      const profile = claims ? profileFromClaims(claims) : undefined;
      if (!profile) throw new ProviderRefusal('id_token_invalid');
      if (profile.email !== null || !config.serverMetadata().userinfo_endpoint) return profile;
      // A provider that keeps scope claims out of the ID token (as the spec allows) answers them at
      // UserInfo, for the same subject (openid-client checks it).
      try {
        const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, profile.subject);
        return profileFromClaims({ ...userInfo, iss: profile.issuer, sub: profile.subject }) ?? profile;
      } catch (error) {
        throw new ProviderRefusal('profile_invalid', error);
      }
    },
  };
}

/** openid-client names JWT failures in its message; a refusal of the code itself comes from the token endpoint. */
function isIdTokenProblem(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}` : '';
  return /JWT|JWS|ID Token|"alg"|nonce|signature|"iss"|"aud"|"exp"/i.test(text) && !/invalid_grant/.test(text);
}
