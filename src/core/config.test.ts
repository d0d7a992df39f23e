import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, estimateSecretBits, type AuthOptions } from './config.ts';
import { ENV_VARIABLES, readEnvOptions } from './env-config.ts';

/** What `openssl rand -base64 48` prints: 64 characters, ~380 bits by the estimate. */
const STRONG_SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
const WEAK_32_BYTES = 'passwordpasswordpasswordpassword';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseConfig', () => {
  it('fills every default from API.md and freezes the result', () => {
    const config = parseConfig({ secretKey: STRONG_SECRET });
    expect(config).toMatchObject({
      environment: 'development',
      publicOrigin: 'http://127.0.0.1:3000',
      secretKey: STRONG_SECRET,
      trustProxy: { kind: 'none' },
      trustProxyHeader: 'x-forwarded-for',
      forceHttps: false,
      basePath: '/auth',
      session: { idleTimeoutMs: 2 * 3_600_000, maxAgeMs: 24 * 3_600_000, rememberMeMaxAgeMs: 30 * 86_400_000, protection: 'basic', sameSite: 'Strict' },
      freshnessMs: 600_000,
      bootstrapAdminEmail: null,
      rateLimits: {
        login: { count: 5, windowMs: 60_000 },
        register: { count: 3, windowMs: 3_600_000 },
        reset: { count: 3, windowMs: 3_600_000 },
        refresh: { count: 10, windowMs: 60_000 },
      },
      lockout: { threshold: 3, baseDelayMs: 1_000, maxDelayMs: 900_000 },
      tokens: { accessTtlMs: 900_000, refreshTtlMs: 90 * 86_400_000, refreshIdleMs: 7 * 86_400_000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.session)).toBe(true);
    expect(Object.isFrozen(config.rateLimits.login)).toBe(true);
  });

  it('merges nested options over the defaults without losing siblings', () => {
    const config = parseConfig({ secretKey: STRONG_SECRET, session: { idleTimeoutMs: 5_000 }, rateLimits: { login: { count: 50 } } });
    expect(config.session.idleTimeoutMs).toBe(5_000);
    expect(config.session.maxAgeMs).toBe(24 * 3_600_000);
    expect(config.rateLimits.login).toEqual({ count: 50, windowMs: 60_000 });
    expect(config.rateLimits.register).toEqual({ count: 3, windowMs: 3_600_000 });
    // A second config is not affected by the first.
    expect(parseConfig({ secretKey: STRONG_SECRET }).session.idleTimeoutMs).toBe(2 * 3_600_000);
  });

  it('keeps only the origin of PUBLIC_URL and refuses anything but http(s)', () => {
    expect(parseConfig({ secretKey: STRONG_SECRET, publicOrigin: 'https://auth.example.com/some/path?q=1' }).publicOrigin).toBe('https://auth.example.com');
    expect(configError(() => parseConfig({ secretKey: STRONG_SECRET, publicOrigin: 'example.com' })).setting).toBe('PUBLIC_URL');
    expect(configError(() => parseConfig({ secretKey: STRONG_SECRET, publicOrigin: 'ftp://example.com' })).setting).toBe('PUBLIC_URL');
  });

  it('parses trustProxy given in TRUST_PROXY syntax', () => {
    expect(parseConfig({ secretKey: STRONG_SECRET, trustProxy: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(parseConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback' }).trustProxy.kind).toBe('cidrs');
    const error = configError(() => parseConfig({ secretKey: STRONG_SECRET, trustProxy: '10.0.0.0/33' }));
    expect(error.setting).toBe('TRUST_PROXY');
    expect(error.message).toContain('TRUST_PROXY');
  });

  it('believes X-Forwarded-For by default, Forwarded only when asked, nothing else', () => {
    expect(parseConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback' }).trustProxyHeader).toBe('x-forwarded-for');
    expect(parseConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback', trustProxyHeader: 'forwarded' }).trustProxyHeader).toBe('forwarded');
    const bogus = { secretKey: STRONG_SECRET, trustProxyHeader: 'x-real-ip' } as unknown as Parameters<typeof parseConfig>[0];
    expect(configError(() => parseConfig(bogus)).setting).toBe('TRUST_PROXY_HEADER');
  });

  it('refuses a secret shorter than 32 bytes, in any environment', () => {
    for (const environment of ['development', 'test', 'production'] as const) {
      const error = configError(() => parseConfig({ secretKey: 'short', environment, publicOrigin: 'https://example.com' }));
      expect(error.setting).toBe('SECRET_KEY');
      expect(error.message).toContain('SECRET_KEY');
    }
  });

  it('accepts a low-entropy 32-byte secret in development but not in production', () => {
    expect(parseConfig({ secretKey: WEAK_32_BYTES }).secretKey).toBe(WEAK_32_BYTES);
    for (const weak of [WEAK_32_BYTES, 'a'.repeat(64), 'ab'.repeat(32)]) {
      const error = configError(() => parseConfig({ secretKey: weak, environment: 'production', publicOrigin: 'https://example.com' }));
      expect(error.setting).toBe('SECRET_KEY');
      expect(error.message).toMatch(/SECRET_KEY.*weak/);
    }
  });

  // estimateSecretBits counts characters, not patterns: this 40-byte secret of ~33 real bits scores 133.
  it('refuses a repeated pattern such as "0123456789" × 4 in production', () => {
    const secretKey = '0123456789'.repeat(4);
    expect(configError(() => parseConfig({ secretKey, environment: 'production', publicOrigin: 'https://example.com' })).setting).toBe('SECRET_KEY');
  });

  it('refuses production with an empty secret', () => {
    expect(configError(() => parseConfig({ secretKey: '', environment: 'production', publicOrigin: 'https://example.com' })).setting).toBe('SECRET_KEY');
  });

  it('refuses a missing secret (a JavaScript caller, or SECRET_KEY unset) with a ConfigError naming SECRET_KEY', () => {
    const options = { environment: 'production', publicOrigin: 'https://example.com' } as unknown as AuthOptions;
    expect(configError(() => parseConfig(options)).setting).toBe('SECRET_KEY');
  });

  it('refuses production without PUBLIC_URL and turns HTTPS on there', () => {
    const error = configError(() => parseConfig({ secretKey: STRONG_SECRET, environment: 'production' }));
    expect(error.setting).toBe('PUBLIC_URL');
    expect(error.message).toContain('PUBLIC_URL');
    const config = parseConfig({ secretKey: STRONG_SECRET, environment: 'production', publicOrigin: 'https://example.com' });
    expect(config.forceHttps).toBe(true);
    expect(parseConfig({ secretKey: STRONG_SECRET, environment: 'production', publicOrigin: 'https://example.com', forceHttps: false }).forceHttps).toBe(false);
  });

  it.each([
    ['SESSION_IDLE_TIMEOUT', { session: { idleTimeoutMs: 0 } }],
    ['SESSION_MAX_AGE', { session: { maxAgeMs: -1 } }],
    ['REMEMBER_ME_MAX_AGE', { session: { rememberMeMaxAgeMs: Number.NaN } }],
    ['basePath', { basePath: 'auth' }],
    ['basePath', { basePath: '/auth/' }],
  ] as const)('refuses a bad %s', (setting, options) => {
    expect(configError(() => parseConfig({ secretKey: STRONG_SECRET, ...options })).setting).toBe(setting);
  });

  it('refuses an option that does not exist, at any depth, and a section that is no object', () => {
    const typo = { secretKey: STRONG_SECRET, rateLimit: { login: { count: 1 } } } as unknown as AuthOptions;
    expect(configError(() => parseConfig(typo)).message).toBe('Invalid configuration: rateLimit is not an option');
    const deep = { secretKey: STRONG_SECRET, session: { idleTimeout: 5 } } as unknown as AuthOptions;
    expect(configError(() => parseConfig(deep)).setting).toBe('session.idleTimeout');
    const flat = { secretKey: STRONG_SECRET, lockout: 5 } as unknown as AuthOptions;
    expect(configError(() => parseConfig(flat)).path).toBe('lockout');
  });

  it('deep-freezes what it returns, and never the caller\'s objects', () => {
    const session = { idleTimeoutMs: 5_000 };
    const config = parseConfig({ secretKey: STRONG_SECRET, session, csrf: { trustedOrigins: ['https://a.example.com/x'] } });
    expect(Object.isFrozen(config.csrf.trustedOrigins)).toBe(true);
    expect(Object.isFrozen(config.password.argon2)).toBe(true);
    expect(config.csrf.trustedOrigins).toEqual(['https://a.example.com']);
    expect(Object.isFrozen(session)).toBe(false);
  });

  it('estimates entropy: a random base64 secret is strong, repetition is not', () => {
    expect(estimateSecretBits(STRONG_SECRET)).toBeGreaterThan(128);
    expect(estimateSecretBits('a'.repeat(100))).toBe(0);
    expect(estimateSecretBits('ab'.repeat(16))).toBeCloseTo(32);
  });
});


const parseEnv = (env: Record<string, string>) => parseConfig({ ...readEnvOptions(env), secretKey: readEnvOptions(env).secretKey ?? STRONG_SECRET });

/**
 * Code and environment share one schema: the same bad value refused through createAuth's options
 * and through the variable gives the same one-line message, naming the option path and the variable.
 */
describe('one schema for code and environment', () => {
  const ROWS: readonly [variable: string, text: string, options: object, detail: string][] = [
    ['AUTH_RATE_LIMIT_LOGIN', '-5/1m', { rateLimits: { login: { count: -5 } } }, 'rateLimits.login.count (AUTH_RATE_LIMIT_LOGIN) must be a whole number from 1 to 1000000000 (got -5)'],
    ['AUTH_RATE_LIMIT_REGISTER', '3/0s', { rateLimits: { register: { count: 3, windowMs: 0 } } }, 'rateLimits.register.windowMs (AUTH_RATE_LIMIT_REGISTER) must be a duration from 1ms to 3650d (got 0ms)'],
    ['AUTH_RATE_LIMIT_RESET', '0/1h', { rateLimits: { reset: { count: 0 } } }, 'rateLimits.reset.count (AUTH_RATE_LIMIT_RESET) must be a whole number from 1 to 1000000000 (got 0)'],
    ['AUTH_RATE_LIMIT_REFRESH', '10/-1m', { rateLimits: { refresh: { windowMs: -60_000 } } }, 'rateLimits.refresh.windowMs (AUTH_RATE_LIMIT_REFRESH) must be a duration from 1ms to 3650d (got -1m)'],
    ['AUTH_LOCKOUT_THRESHOLD', '0', { lockout: { threshold: 0 } }, 'lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be a whole number from 1 to 1000000 (got 0)'],
    ['AUTH_LOCKOUT_THRESHOLD', '2.5', { lockout: { threshold: 2.5 } }, 'lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be a whole number from 1 to 1000000 (got 2.5)'],
    ['AUTH_LOCKOUT_BASE_DELAY', '-5m', { lockout: { baseDelayMs: -300_000 } }, 'lockout.baseDelayMs (AUTH_LOCKOUT_BASE_DELAY) must be a duration from 1ms to 3650d (got -5m)'],
    ['AUTH_LOCKOUT_MAX_DELAY', '0ms', { lockout: { maxDelayMs: 0 } }, 'lockout.maxDelayMs (AUTH_LOCKOUT_MAX_DELAY) must be a duration from 1ms to 3650d (got 0ms)'],
    ['AUTH_LOCKOUT_WINDOW', '0s', { lockout: { failureWindowMs: 0 } }, 'lockout.failureWindowMs (AUTH_LOCKOUT_WINDOW) must be a duration from 1ms to 3650d (got 0ms)'],
    ['AUTH_LOCKOUT_KNOWN_DEVICE', '3651d', { lockout: { knownDeviceMs: 3651 * 86_400_000 } }, 'lockout.knownDeviceMs (AUTH_LOCKOUT_KNOWN_DEVICE) must be a duration from 1ms to 3650d (got 3651d)'],
    ['AUTH_IP_FAILURE_BUDGET', '0/1h', { lockout: { ipFailureBudget: { count: 0, windowMs: 3_600_000 } } }, 'lockout.ipFailureBudget.count (AUTH_IP_FAILURE_BUDGET) must be a whole number from 1 to 1000000000 (got 0)'],
    ['AUTH_CLIENT_CHECKS_IN_FLIGHT', '0', { lockout: { clientChecksInFlight: 0 } }, 'lockout.clientChecksInFlight (AUTH_CLIENT_CHECKS_IN_FLIGHT) must be a whole number from 1 to 10000 (got 0)'],
    ['AUTH_IPV6_PREFIX', '200', { ipv6PrefixLength: 200 }, 'ipv6PrefixLength (AUTH_IPV6_PREFIX) must be a whole number from 16 to 128 (got 200)'],
    ['AUTH_IPV6_PREFIX', '8', { ipv6PrefixLength: 8 }, 'ipv6PrefixLength (AUTH_IPV6_PREFIX) must be a whole number from 16 to 128 (got 8)'],
    ['SESSION_IDLE_TIMEOUT', '0ms', { session: { idleTimeoutMs: 0 } }, 'session.idleTimeoutMs (SESSION_IDLE_TIMEOUT) must be a duration from 1ms to 3650d (got 0ms)'],
    ['SESSION_MAX_AGE', '-1d', { session: { maxAgeMs: -86_400_000 } }, 'session.maxAgeMs (SESSION_MAX_AGE) must be a duration from 1ms to 3650d (got -1d)'],
    ['REMEMBER_ME_MAX_AGE', '0s', { session: { rememberMeMaxAgeMs: 0 } }, 'session.rememberMeMaxAgeMs (REMEMBER_ME_MAX_AGE) must be a duration from 1ms to 3650d (got 0ms)'],
    ['SESSION_PROTECTION', 'paranoid', { session: { protection: 'paranoid' } }, 'session.protection (SESSION_PROTECTION) must be off, basic or strong (got "paranoid")'],
    ['SESSION_SAMESITE', 'None', { session: { sameSite: 'None' } }, 'session.sameSite (SESSION_SAMESITE) must be Strict or Lax (got "None")'],
    ['FRESHNESS', '0s', { freshnessMs: 0 }, 'freshnessMs (FRESHNESS) must be a duration from 1ms to 3650d (got 0ms)'],
    ['FRESHNESS_GRACE', '-1s', { freshnessGraceMs: -1_000 }, 'freshnessGraceMs (FRESHNESS_GRACE) must be a duration from 0ms to 3650d (got -1s)'],
    ['ACCESS_TOKEN_TTL', '0s', { tokens: { accessTtlMs: 0 } }, 'tokens.accessTtlMs (ACCESS_TOKEN_TTL) must be a duration from 1ms to 3650d (got 0ms)'],
    ['REFRESH_TOKEN_TTL', '-1d', { tokens: { refreshTtlMs: -86_400_000 } }, 'tokens.refreshTtlMs (REFRESH_TOKEN_TTL) must be a duration from 1ms to 3650d (got -1d)'],
    ['REFRESH_TOKEN_IDLE', '0ms', { tokens: { refreshIdleMs: 0 } }, 'tokens.refreshIdleMs (REFRESH_TOKEN_IDLE) must be a duration from 1ms to 3650d (got 0ms)'],
    ['TOKEN_STATE_CACHE_TTL', '-1s', { tokens: { stateCacheTtlMs: -1_000 } }, 'tokens.stateCacheTtlMs (TOKEN_STATE_CACHE_TTL) must be a duration from 0ms to 3650d (got -1s)'],
    ['OAUTH_AUTOLINK', 'always', { oauth: { autolink: 'always' } }, 'oauth.autolink (OAUTH_AUTOLINK) must be off or verified (got "always")'],
    ['OAUTH_FLOW_TTL', '2h', { oauth: { flowTtlMs: 7_200_000 } }, 'oauth.flowTtlMs (OAUTH_FLOW_TTL) must be a duration from 1m to 1h (got 2h)'],
    ['PASSWORD_MIN_LENGTH', '0', { password: { minLength: 0 } }, 'password.minLength (PASSWORD_MIN_LENGTH) must be a whole number from 1 to 256 (got 0)'],
    ['PASSWORD_MAX_LENGTH', '5000', { password: { maxLength: 5000 } }, 'password.maxLength (PASSWORD_MAX_LENGTH) must be a whole number from password.minLength (PASSWORD_MIN_LENGTH) to 4096 (got 5000)'],
    ['PASSWORD_MAX_LENGTH', '4', { password: { maxLength: 4 } }, 'password.maxLength (PASSWORD_MAX_LENGTH) must be a whole number from password.minLength (PASSWORD_MIN_LENGTH) to 4096 (got 4)'],
    ['PASSWORD_MIN_STRENGTH', '5', { password: { minStrength: 5 } }, 'password.minStrength (PASSWORD_MIN_STRENGTH) must be 0, 1, 2, 3 or 4 (got 5)'],
    ['PASSWORD_NORMALIZATION', 'NFD', { password: { normalization: 'NFD' } }, 'password.normalization (PASSWORD_NORMALIZATION) must be NFKC, NFC or none (got "NFD")'],
    ['PASSWORD_BREACH_CHECK', 'on', { password: { breachCheck: 'on' } }, 'password.breachCheck (PASSWORD_BREACH_CHECK) must be off, fail-open or fail-closed (got "on")'],
    ['PASSWORD_BREACH_CHECK_URL', 'file:///etc/passwd', { password: { breachCheckUrl: 'file:///etc/passwd' } }, 'password.breachCheckUrl (PASSWORD_BREACH_CHECK_URL) must be an absolute http(s) URL (got "file:///etc/passwd")'],
    ['PASSWORD_BREACH_CHECK_TIMEOUT', '2m', { password: { breachCheckTimeoutMs: 120_000 } }, 'password.breachCheckTimeoutMs (PASSWORD_BREACH_CHECK_TIMEOUT) must be a duration from 1ms to 1m (got 2m)'],
    ['PASSWORD_RESET_TTL', '0s', { password: { resetTokenTtlMs: 0 } }, 'password.resetTokenTtlMs (PASSWORD_RESET_TTL) must be a duration from 1ms to 3650d (got 0ms)'],
    ['ARGON2_MEMORY_KIB', '4', { password: { argon2: { memoryCost: 4 } } }, 'password.argon2.memoryCost (ARGON2_MEMORY_KIB) must be a whole number from 8 to 4194304 (got 4)'],
    ['ARGON2_TIME_COST', '0', { password: { argon2: { timeCost: 0 } } }, 'password.argon2.timeCost (ARGON2_TIME_COST) must be a whole number from 1 to 100 (got 0)'],
    ['ARGON2_PARALLELISM', '65', { password: { argon2: { parallelism: 65 } } }, 'password.argon2.parallelism (ARGON2_PARALLELISM) must be a whole number from 1 to 64 (got 65)'],
    ['ARGON2_THREADS', '0', { password: { hashing: { threads: 0 } } }, 'password.hashing.threads (ARGON2_THREADS) must be "cores" or a whole number from 1 to 256 (got 0)'],
    ['ARGON2_THREADS', 'all', { password: { hashing: { threads: 'all' } } }, 'password.hashing.threads (ARGON2_THREADS) must be "cores" or a whole number from 1 to 256 (got "all")'],
    ['ARGON2_NICENESS', '20', { password: { hashing: { niceness: 20 } } }, 'password.hashing.niceness (ARGON2_NICENESS) must be a whole number from 0 to 19 (got 20)'],
    ['ARGON2_MAX_QUEUE', '-1', { password: { hashing: { maxQueue: -1 } } }, 'password.hashing.maxQueue (ARGON2_MAX_QUEUE) must be "auto" or a whole number from 0 to 100000 (got -1)'],
    ['MAIL_FROM', 'x', { mailFrom: 'x' }, 'mailFrom (MAIL_FROM) must be text of 3 to 320 characters (got "x")'],
    ['BOOTSTRAP_ADMIN_EMAIL', 'admin', { bootstrapAdminEmail: 'admin' }, 'bootstrapAdminEmail (BOOTSTRAP_ADMIN_EMAIL) must be an e-mail address (got "admin")'],
    ['EMAIL_CONFIRMATION', 'maybe', { identity: { confirmation: 'maybe' } }, 'identity.confirmation (EMAIL_CONFIRMATION) must be required, optional or off (got "maybe")'],
    ['CONFIRM_TTL', '10s', { identity: { confirmTtlMs: 10_000 } }, 'identity.confirmTtlMs (CONFIRM_TTL) must be a duration from 1m to 3650d (got 10s)'],
    ['GENERIC_RESPONSES', 'sometimes', { identity: { genericResponses: 'sometimes' } }, 'identity.genericResponses (GENERIC_RESPONSES) must be true or false (got "sometimes")'],
    ['MAIL_RECIPIENT_BUDGET', '0/1h', { identity: { mailRecipientBudget: { count: 0, windowMs: 3_600_000 } } }, 'identity.mailRecipientBudget.count (MAIL_RECIPIENT_BUDGET) must be a whole number from 1 to 1000000000 (got 0)'],
    ['CHANGE_EMAIL_TTL', '1s', { identity: { changeEmailTtlMs: 1_000 } }, 'identity.changeEmailTtlMs (CHANGE_EMAIL_TTL) must be a duration from 1m to 3650d (got 1s)'],
    ['EMAIL_SIGNIN', 'sometimes', { identity: { emailSignIn: 'sometimes' } }, 'identity.emailSignIn (EMAIL_SIGNIN) must be true or false (got "sometimes")'],
    ['NOTIFY_NEW_DEVICE', 'sometimes', { identity: { notifyNewDevice: 'sometimes' } }, 'identity.notifyNewDevice (NOTIFY_NEW_DEVICE) must be true or false (got "sometimes")'],
    ['CSRF_MECHANISMS', 'session,bearer', { csrf: { mechanisms: ['session', 'bearer'] } }, 'csrf.mechanisms[1] (CSRF_MECHANISMS) must be session or basic (got "bearer")'],
    ['CSRF_TRUSTED_ORIGINS', 'https://a.example.com,ftp://b.example.com', { csrf: { trustedOrigins: ['https://a.example.com', 'ftp://b.example.com'] } }, 'csrf.trustedOrigins[1] (CSRF_TRUSTED_ORIGINS) must be an absolute http(s) URL (got "ftp://b.example.com")'],
    ['CSRF_XSRF_COOKIE', 'maybe', { csrf: { xsrfCookie: 'maybe' } }, 'csrf.xsrfCookie (CSRF_XSRF_COOKIE) must be true or false (got "maybe")'],
    ['FORCE_HTTPS', 'maybe', { forceHttps: 'maybe' }, 'forceHttps (FORCE_HTTPS) must be true or false (got "maybe")'],
    ['NODE_ENV', 'staging', { environment: 'staging' }, 'environment (NODE_ENV) must be development, production or test (got "staging")'],
    ['PUBLIC_URL', 'example.com', { publicOrigin: 'example.com' }, 'publicOrigin (PUBLIC_URL) must be an absolute http(s) URL (got "example.com")'],
    ['TRUST_PROXY', '10.0.0.0/33', { trustProxy: '10.0.0.0/33' }, 'trustProxy (TRUST_PROXY) must be false, loopback, a hop count, or a comma list of CIDRs (bad entry "10.0.0.0/33")'],
    ['TRUST_PROXY_HEADER', 'x-real-ip', { trustProxyHeader: 'x-real-ip' }, 'trustProxyHeader (TRUST_PROXY_HEADER) must be x-forwarded-for or forwarded (got "x-real-ip")'],
    ['SECRET_KEY', 'short', { secretKey: 'short' }, 'secretKey (SECRET_KEY) must be at least 32 bytes (generate one: openssl rand -base64 48)'],
    // The refused key is never echoed.
    ['SECRET_KEY_PREVIOUS', 'short', { previousSecretKeys: ['short'] }, 'previousSecretKeys[0] (SECRET_KEY_PREVIOUS) must each be at least 32 bytes'],
    ['MFA_ISSUER', 'x'.repeat(65), { mfa: { issuer: 'x'.repeat(65) } }, `mfa.issuer (MFA_ISSUER) must be text of 1 to 64 characters (got "${'x'.repeat(65)}")`],
    ['MFA_REQUIRED_ROLES', `admin,${'r'.repeat(65)}`, { mfa: { requiredRoles: ['admin', 'r'.repeat(65)] } }, `mfa.requiredRoles[1] (MFA_REQUIRED_ROLES) must be text of 1 to 64 characters (got "${'r'.repeat(65)}")`],
    ['MFA_PENDING_TTL', '2h', { mfa: { pendingTtlMs: 7_200_000 } }, 'mfa.pendingTtlMs (MFA_PENDING_TTL) must be a duration from 10s to 1h (got 2h)'],
    ['MFA_ATTEMPTS_PER_SIGNIN', '0', { mfa: { attemptsPerSignIn: 0 } }, 'mfa.attemptsPerSignIn (MFA_ATTEMPTS_PER_SIGNIN) must be a whole number from 1 to 20 (got 0)'],
    ['MFA_ATTEMPT_BUDGET', '0/1h', { mfa: { attemptBudget: { count: 0, windowMs: 3_600_000 } } }, 'mfa.attemptBudget.count (MFA_ATTEMPT_BUDGET) must be a whole number from 1 to 1000000000 (got 0)'],
    ['MFA_REMEMBER_DEVICE', '500d', { mfa: { rememberDeviceMs: 500 * 86_400_000 } }, 'mfa.rememberDeviceMs (MFA_REMEMBER_DEVICE) must be a duration from 1m to 400d (got 500d)'],
  ];

  it.each(ROWS)('%s=%j and the same value in code are refused alike', (variable, text, options, detail) => {
    const fromCode = configError(() => parseConfig({ secretKey: STRONG_SECRET, ...options } as AuthOptions));
    const fromEnv = configError(() => parseEnv({ [variable]: text }));
    expect(fromCode.message).toBe(`Invalid configuration: ${detail}`);
    expect(fromEnv.message).toBe(fromCode.message);
    expect([fromEnv.setting, fromCode.setting]).toEqual([variable, variable]);
    expect(fromCode.path).toMatch(/^[a-zA-Z]/);
  });

  it('covers every variable the environment maps', () => {
    const covered = new Set(ROWS.map(([variable]) => variable));
    expect(Object.keys(ENV_VARIABLES).filter((variable) => !covered.has(variable))).toEqual([]);
  });

  it.each([
    ['bodyLimitBytes', { bodyLimitBytes: -1 }, 'bodyLimitBytes must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB) (got -1)'],
    ['bodyLimitBytes', { bodyLimitBytes: 1023 }, 'bodyLimitBytes must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB) (got 1023)'],
    ['session.touchIntervalMs', { session: { touchIntervalMs: -1 } }, 'session.touchIntervalMs must be a duration from 0ms to 3650d (got -1ms)'],
    ['pages.afterLogin', { pages: { afterLogin: '//evil.example' } }, 'pages.afterLogin must be a path starting with "/" (got "//evil.example")'],
    ['tokens.issuer', { tokens: { issuer: '' } }, 'tokens.issuer must be text of 1 to 2048 characters (got "")'],
    ['basePath', { basePath: '/auth/' }, 'basePath must start with "/" and not end with one (got "/auth/")'],
  ] as const)('refuses a bad %s, an option only code sets, naming its path', (path, options, detail) => {
    const error = configError(() => parseConfig({ secretKey: STRONG_SECRET, ...options } as AuthOptions));
    expect(error.message).toBe(`Invalid configuration: ${detail}`);
    expect([error.setting, error.path, error.variable]).toEqual([path, path, null]);
  });

  it('tells the environment the text form it expects when the text has the wrong shape', () => {
    expect(configError(() => parseEnv({ AUTH_LOCKOUT_BASE_DELAY: 'soon' })).message).toBe(
      'Invalid configuration: lockout.baseDelayMs (AUTH_LOCKOUT_BASE_DELAY) must be a duration like 500ms, 30s, 10m, 2h or 30d (got "soon")',
    );
    expect(configError(() => parseEnv({ AUTH_RATE_LIMIT_LOGIN: '5' })).message).toBe(
      'Invalid configuration: rateLimits.login (AUTH_RATE_LIMIT_LOGIN) must be COUNT/WINDOW, e.g. 5/1m (in code: { count, windowMs }) (got "5")',
    );
    expect(configError(() => parseEnv({ AUTH_LOCKOUT_THRESHOLD: 'three' })).message).toBe(
      'Invalid configuration: lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be a whole number from 1 to 1000000 (got "three")',
    );
  });

  it('never echoes the secret', () => {
    const weak = 'passwordpasswordpasswordpassword';
    const error = configError(() => parseEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://example.com', SECRET_KEY: weak }));
    expect(error.setting).toBe('SECRET_KEY');
    expect(error.message).not.toContain(weak);
  });
});

describe('identity: generic responses follow confirmation', () => {
  it('defaults: confirmation required, generic responses on, 24h links, 3 mails an hour per recipient', () => {
    expect(parseConfig({ secretKey: STRONG_SECRET }).identity).toEqual({
      confirmation: 'required',
      confirmTtlMs: 86_400_000,
      genericResponses: true,
      mailRecipientBudget: { count: 3, windowMs: 3_600_000 },
      changeEmailTtlMs: 3_600_000,
      signInOnConfirm: true,
      emailSignIn: false,
      notifyNewDevice: false,
    });
  });

  it('off or optional confirmation turns the default off; required keeps an explicit false', () => {
    expect(parseConfig({ secretKey: STRONG_SECRET, identity: { confirmation: 'off' } }).identity.genericResponses).toBe(false);
    expect(parseConfig({ secretKey: STRONG_SECRET, identity: { confirmation: 'optional' } }).identity.genericResponses).toBe(false);
    expect(parseConfig({ secretKey: STRONG_SECRET, identity: { genericResponses: false } }).identity.genericResponses).toBe(false);
  });

  it('refuses generic responses without required confirmation, naming both settings', () => {
    expect(() => parseConfig({ secretKey: STRONG_SECRET, identity: { confirmation: 'optional', genericResponses: true } })).toThrow(
      'Invalid configuration: identity.genericResponses (GENERIC_RESPONSES) needs identity.confirmation (EMAIL_CONFIRMATION) required',
    );
  });
});
