import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';
import { readEnvOptions, variableOfOption } from './env-config.ts';

const SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
const parseEnv = (env: Record<string, string>) => parseConfig({ ...readEnvOptions(env), secretKey: SECRET });

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('social sign-in configuration', () => {
  it('has no provider and no auto-linking by default', () => {
    const { oauth } = parseConfig({ secretKey: SECRET });
    expect(oauth).toEqual({ providers: [], autolink: 'off', flowTtlMs: 600_000 });
  });

  it('reads OAUTH_PROVIDERS and each OAUTH_<NAME>_* from the environment, presets filling the rest, in the order given', () => {
    const { oauth } = parseEnv({
      OAUTH_PROVIDERS: 'corp, github,google',
      OAUTH_GITHUB_CLIENT_ID: 'gh-id',
      OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
      OAUTH_GOOGLE_CLIENT_ID: 'g-id',
      OAUTH_CORP_CLIENT_ID: 'corp-id',
      OAUTH_CORP_ISSUER: 'https://id.corp.example/realms/staff',
      OAUTH_CORP_SCOPES: 'openid email, groups',
      OAUTH_AUTOLINK: 'verified',
    });
    expect(oauth.autolink).toBe('verified');
    expect(oauth.providers.map((p) => p.name)).toEqual(['corp', 'github', 'google']);
    expect(oauth.providers[0]).toEqual({
      name: 'corp',
      label: 'corp',
      protocol: 'oidc',
      clientId: 'corp-id',
      clientSecret: null,
      issuer: 'https://id.corp.example/realms/staff',
      scopes: ['openid', 'email', 'groups'],
      responseMode: 'query',
    });
    expect(oauth.providers[1]).toMatchObject({ protocol: 'github', issuer: 'https://github.com', clientSecret: 'gh-secret', scopes: ['read:user', 'user:email'] });
    expect(oauth.providers[2]).toMatchObject({ label: 'Google', protocol: 'oidc', issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] });
  });

  it('answers by form_post for Apple when e-mail or name is asked, by query otherwise; OAUTH_<NAME>_RESPONSE_MODE sets it', () => {
    const modes = (env: Record<string, string>) => parseEnv(env).oauth.providers.map((p) => [p.name, p.responseMode]);
    expect(modes({ OAUTH_PROVIDERS: 'apple,google', OAUTH_APPLE_CLIENT_ID: 'a', OAUTH_GOOGLE_CLIENT_ID: 'g' })).toEqual([
      ['apple', 'form_post'],
      ['google', 'query'],
    ]);
    expect(modes({ OAUTH_PROVIDERS: 'apple', OAUTH_APPLE_CLIENT_ID: 'a', OAUTH_APPLE_SCOPES: 'openid' })).toEqual([['apple', 'query']]);
    expect(modes({ OAUTH_PROVIDERS: 'apple', OAUTH_APPLE_CLIENT_ID: 'a', OAUTH_APPLE_SCOPES: 'openid name' })).toEqual([['apple', 'form_post']]);
    const corp = { OAUTH_PROVIDERS: 'corp', OAUTH_CORP_CLIENT_ID: 'c', OAUTH_CORP_ISSUER: 'https://id.corp.example' };
    expect(modes({ ...corp, OAUTH_CORP_RESPONSE_MODE: 'form_post' })).toEqual([['corp', 'form_post']]);
    expect(refusal(() => parseEnv({ ...corp, OAUTH_CORP_RESPONSE_MODE: 'fragment' })).variable).toBe('OAUTH_CORP_RESPONSE_MODE');
    // GitHub answers only by query (it has no form_post): refused at start, not at the first sign-in.
    const github = refusal(() => parseEnv({ OAUTH_PROVIDERS: 'github', OAUTH_GITHUB_CLIENT_ID: 'g', OAUTH_GITHUB_RESPONSE_MODE: 'form_post' }));
    expect(github.variable).toBe('OAUTH_GITHUB_RESPONSE_MODE');
  });

  it('takes the same providers from code, and freezes them', () => {
    const config = parseConfig({ secretKey: SECRET, oauth: { providers: { gitlab: { clientId: 'x', clientSecret: 'y', issuer: 'https://gitlab.example.org' } } } });
    expect(config.oauth.providers[0]).toMatchObject({ name: 'gitlab', label: 'GitLab', issuer: 'https://gitlab.example.org' });
    expect(Object.isFrozen(config.oauth.providers[0])).toBe(true);
  });

  it('refuses a provider without a client id, naming its variable', () => {
    const error = refusal(() => parseEnv({ OAUTH_PROVIDERS: 'google' }));
    expect(error.variable).toBe('OAUTH_GOOGLE_CLIENT_ID');
  });

  it('refuses a generic provider, and Microsoft (a tenant), without an issuer', () => {
    expect(refusal(() => parseEnv({ OAUTH_PROVIDERS: 'corp', OAUTH_CORP_CLIENT_ID: 'c' })).variable).toBe('OAUTH_CORP_ISSUER');
    const microsoft = refusal(() => parseEnv({ OAUTH_PROVIDERS: 'microsoft', OAUTH_MICROSOFT_CLIENT_ID: 'c' }));
    expect(microsoft.variable).toBe('OAUTH_MICROSOFT_ISSUER');
    expect(microsoft.message).toContain('login.microsoftonline.com/<tenant-id>/v2.0');
  });

  it('refuses plain-HTTP issuers except on a loopback host, and issuers with a query', () => {
    expect(refusal(() => parseEnv({ OAUTH_PROVIDERS: 'corp', OAUTH_CORP_CLIENT_ID: 'c', OAUTH_CORP_ISSUER: 'http://id.corp.example' })).variable).toBe('OAUTH_CORP_ISSUER');
    expect(refusal(() => parseEnv({ OAUTH_PROVIDERS: 'corp', OAUTH_CORP_CLIENT_ID: 'c', OAUTH_CORP_ISSUER: 'https://id.example/?x=1' })).variable).toBe('OAUTH_CORP_ISSUER');
    expect(parseEnv({ OAUTH_PROVIDERS: 'corp', OAUTH_CORP_CLIENT_ID: 'c', OAUTH_CORP_ISSUER: 'http://127.0.0.1:4000' }).oauth.providers[0]?.issuer).toBe('http://127.0.0.1:4000');
  });

  it('never repeats a client secret in a refusal', () => {
    const error = refusal(() => parseConfig({ secretKey: SECRET, oauth: { providers: { google: { clientId: 'x', clientSecret: '' } } } }));
    expect(error.variable).toBe('OAUTH_GOOGLE_CLIENT_SECRET');
    const long = 's'.repeat(5000);
    expect(refusal(() => parseConfig({ secretKey: SECRET, oauth: { providers: { google: { clientId: 'x', clientSecret: long } } } })).message).not.toContain('sss');
  });

  it('refuses a provider name that cannot be a URL segment and variable name', () => {
    const error = refusal(() => parseConfig({ secretKey: SECRET, oauth: { providers: { 'Bad-Name': { clientId: 'x', issuer: 'https://id.example' } } } }));
    expect(error.message).toContain('is not a provider name');
  });

  it('refuses an unknown OAUTH_AUTOLINK', () => {
    expect(refusal(() => parseEnv({ OAUTH_AUTOLINK: 'always' })).variable).toBe('OAUTH_AUTOLINK');
  });

  it('names provider variables from option paths', () => {
    expect(variableOfOption('oauth.providers.corp.issuer')).toBe('OAUTH_CORP_ISSUER');
    expect(variableOfOption('oauth.providers.corp.scopes.1')).toBe('OAUTH_CORP_SCOPES');
    expect(variableOfOption('oauth.providers')).toBe('OAUTH_PROVIDERS');
  });
});
