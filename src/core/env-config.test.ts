import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';
import { ENV_VARIABLES, readEnvOptions, variableOfOption } from './env-config.ts';

const STRONG_SECRET = 'q3N0c2VjcmV0LWZvci10ZXN0cy1vbmx5LTlKd1pYeEZ2bVR6aDhAIVJrYmRnTHU2';
const WEAK_32_BYTES = 'passwordpasswordpasswordpassword';

/** The environment path as the server takes it: variables → options → the one schema. */
const parseEnv = (env: Record<string, string>) => {
  const options = readEnvOptions(env);
  return parseConfig({ ...options, secretKey: options.secretKey ?? STRONG_SECRET });
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('readEnvOptions', () => {
  it('gives nothing for an empty environment, so every default comes from the schema', () => {
    expect(readEnvOptions({})).toEqual({});
    expect(parseEnv({})).toEqual(parseConfig({ secretKey: STRONG_SECRET }));
  });

  it('ignores empty and unknown variables, and the reference server\'s own', () => {
    expect(readEnvOptions({ SECRET_KEY: '', HOME: '/root', PATH: '/bin', npm_config_x: '1', PORT: '8080', DATABASE_URL: 'sqlite:x.db', TLS_CERT: '/c.pem' })).toEqual({});
  });

  it('maps every variable to an option path, and finds the variable again from any path below it', () => {
    for (const [variable, [path]] of Object.entries(ENV_VARIABLES)) expect(variableOfOption(path)).toBe(variable);
    expect(variableOfOption('rateLimits.login.count')).toBe('AUTH_RATE_LIMIT_LOGIN');
    expect(variableOfOption('csrf.trustedOrigins.2')).toBe('CSRF_TRUSTED_ORIGINS');
    expect(variableOfOption('basePath')).toBeUndefined();
    expect(variableOfOption('session.touchIntervalMs')).toBeUndefined();
  });

  it('reads every library variable of API.md into the config', () => {
    const env = {
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://auth.example.com/',
      SECRET_KEY: STRONG_SECRET,
      TRUST_PROXY: '10.0.0.0/8, 192.168.0.0/16',
      TRUST_PROXY_HEADER: 'Forwarded',
      FORCE_HTTPS: 'yes',
      AUTH_RATE_LIMIT_LOGIN: '10/5m',
      AUTH_RATE_LIMIT_REGISTER: '4/2h',
      AUTH_RATE_LIMIT_RESET: '2/1d',
      AUTH_RATE_LIMIT_REFRESH: '20/30s',
      AUTH_LOCKOUT_THRESHOLD: '5',
      AUTH_LOCKOUT_BASE_DELAY: '2s',
      AUTH_LOCKOUT_MAX_DELAY: '1h',
      AUTH_LOCKOUT_WINDOW: '12h',
      AUTH_LOCKOUT_KNOWN_DEVICE: '7d',
      AUTH_IP_FAILURE_BUDGET: '50/1h',
      AUTH_CLIENT_CHECKS_IN_FLIGHT: '4',
      AUTH_IPV6_PREFIX: '56',
      CSRF_MECHANISMS: 'session',
      CSRF_TRUSTED_ORIGINS: 'https://admin.example.com, https://app.example.com/',
      CSRF_XSRF_COOKIE: 'true',
      SESSION_PROTECTION: 'strong',
      SESSION_SAMESITE: 'Lax',
      SESSION_IDLE_TIMEOUT: '30m',
      SESSION_MAX_AGE: '12h',
      REMEMBER_ME_MAX_AGE: '7d',
      FRESHNESS: '5m',
      FRESHNESS_GRACE: '30s',
      BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com',
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '30d',
      REFRESH_TOKEN_IDLE: '1d',
      TOKEN_STATE_CACHE_TTL: '10s',
      PASSWORD_MIN_LENGTH: '12',
      PASSWORD_MAX_LENGTH: '128',
      PASSWORD_MIN_STRENGTH: '2',
      PASSWORD_NORMALIZATION: 'NFC',
      PASSWORD_BREACH_CHECK: 'fail-closed',
      PASSWORD_BREACH_CHECK_URL: 'https://hibp.internal/range/',
      PASSWORD_BREACH_CHECK_TIMEOUT: '800ms',
      PASSWORD_RESET_TTL: '30m',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
      ARGON2_PARALLELISM: '2',
      ARGON2_THREADS: '3',
      ARGON2_NICENESS: '0',
      ARGON2_MAX_QUEUE: '0',
      MAIL_FROM: 'Example <auth@example.com>',
      EMAIL_CONFIRMATION: 'required',
      CONFIRM_TTL: '2d',
      GENERIC_RESPONSES: 'off',
      MAIL_RECIPIENT_BUDGET: '5/2h',
      CHANGE_EMAIL_TTL: '30m',
      EMAIL_SIGNIN: 'on',
      NOTIFY_NEW_DEVICE: 'on',
      OAUTH_AUTOLINK: 'verified',
      OAUTH_FLOW_TTL: '5m',
      SECRET_KEY_PREVIOUS: `${'p'.repeat(40)}, ${'q'.repeat(40)}`,
      MFA_ISSUER: 'Example',
      MFA_REQUIRED_ROLES: 'admin, auditor',
      MFA_PENDING_TTL: '2m',
      MFA_ATTEMPTS_PER_SIGNIN: '3',
      MFA_ATTEMPT_BUDGET: '6/30m',
      MFA_REMEMBER_DEVICE: '14d',
    };
    expect(Object.keys(env).sort()).toEqual(Object.keys(ENV_VARIABLES).sort());
    expect(parseEnv(env)).toMatchObject({
      environment: 'test',
      publicOrigin: 'https://auth.example.com',
      secretKey: STRONG_SECRET,
      trustProxy: { kind: 'cidrs', cidrs: ['10.0.0.0/8', '192.168.0.0/16'] },
      trustProxyHeader: 'forwarded',
      forceHttps: true,
      rateLimits: {
        login: { count: 10, windowMs: 300_000 },
        register: { count: 4, windowMs: 7_200_000 },
        reset: { count: 2, windowMs: 86_400_000 },
        refresh: { count: 20, windowMs: 30_000 },
      },
      lockout: {
        threshold: 5,
        baseDelayMs: 2_000,
        maxDelayMs: 3_600_000,
        failureWindowMs: 12 * 3_600_000,
        knownDeviceMs: 7 * 86_400_000,
        ipFailureBudget: { count: 50, windowMs: 3_600_000 },
        clientChecksInFlight: 4,
      },
      ipv6PrefixLength: 56,
      csrf: { mechanisms: ['session'], trustedOrigins: ['https://admin.example.com', 'https://app.example.com'], xsrfCookie: true },
      session: { idleTimeoutMs: 1_800_000, maxAgeMs: 43_200_000, rememberMeMaxAgeMs: 7 * 86_400_000, protection: 'strong', sameSite: 'Lax' },
      freshnessMs: 300_000,
      freshnessGraceMs: 30_000,
      bootstrapAdminEmail: 'admin@example.com',
      tokens: { accessTtlMs: 300_000, refreshTtlMs: 30 * 86_400_000, refreshIdleMs: 86_400_000, stateCacheTtlMs: 10_000 },
      password: {
        minLength: 12,
        maxLength: 128,
        minStrength: 2,
        normalization: 'NFC',
        breachCheck: 'fail-closed',
        breachCheckUrl: 'https://hibp.internal/range/',
        breachCheckTimeoutMs: 800,
        resetTokenTtlMs: 1_800_000,
        argon2: { memoryCost: 65_536, timeCost: 3, parallelism: 2 },
        hashing: { threads: 3, niceness: 0, maxQueue: 0 },
      },
      mailFrom: 'Example <auth@example.com>',
      identity: { confirmation: 'required', confirmTtlMs: 2 * 86_400_000, genericResponses: false, mailRecipientBudget: { count: 5, windowMs: 7_200_000 }, changeEmailTtlMs: 1_800_000, emailSignIn: true, notifyNewDevice: true },
      oauth: { autolink: 'verified', flowTtlMs: 300_000 },
      previousSecretKeys: ['p'.repeat(40), 'q'.repeat(40)],
      mfa: { issuer: 'Example', requiredRoles: ['admin', 'auditor'], pendingTtlMs: 120_000, attemptsPerSignIn: 3, attemptBudget: { count: 6, windowMs: 1_800_000 }, rememberDeviceMs: 14 * 86_400_000 },
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['ON', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads FORCE_HTTPS=%j', (text, value) => {
    expect(readEnvOptions({ FORCE_HTTPS: text }).forceHttps).toBe(value);
  });

  it.each([
    ['off', null],
    ['false', null],
    ['0', null],
    ['on', 30 * 86_400_000],
    ['TRUE', 30 * 86_400_000],
    ['7d', 7 * 86_400_000],
    ['12h', 12 * 3_600_000],
  ])('reads MFA_REMEMBER_DEVICE=%j (off, on = 30 days, or a duration)', (text, value) => {
    expect(parseEnv({ MFA_REMEMBER_DEVICE: text }).mfa.rememberDeviceMs).toBe(value);
  });

  it('MFA_REMEMBER_DEVICE is off by default', () => {
    expect(parseEnv({}).mfa.rememberDeviceMs).toBeNull();
  });

  it('reads the TRUST_PROXY forms and TRUST_PROXY_HEADER in any case', () => {
    expect(parseEnv({ TRUST_PROXY: 'false' }).trustProxy).toEqual({ kind: 'none' });
    expect(parseEnv({ TRUST_PROXY: '1' }).trustProxy).toEqual({ kind: 'hops', hops: 1 });
    expect(parseEnv({ TRUST_PROXY: 'loopback' }).trustProxy).toMatchObject({ kind: 'cidrs' });
    expect(parseEnv({ TRUST_PROXY: 'loopback', TRUST_PROXY_HEADER: ' X-Forwarded-For ' }).trustProxyHeader).toBe('x-forwarded-for');
    expect(parseEnv({ TRUST_PROXY: 'loopback' }).trustProxyHeader).toBe('x-forwarded-for');
  });

  it('reads ARGON2_THREADS and ARGON2_MAX_QUEUE as a number or their word', () => {
    expect(parseEnv({ ARGON2_THREADS: 'cores', ARGON2_MAX_QUEUE: 'auto' }).password.hashing).toEqual({ threads: 'cores', niceness: 10, maxQueue: 'auto' });
    expect(parseEnv({ ARGON2_THREADS: '2', ARGON2_MAX_QUEUE: '7' }).password.hashing).toEqual({ threads: 2, niceness: 10, maxQueue: 7 });
  });

  it.each([
    ['NODE_ENV', 'staging'],
    ['PUBLIC_URL', 'example.com'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
    ['TRUST_PROXY', '300.1.1.1/8'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY_HEADER', 'x-real-ip'],
    ['TRUST_PROXY_HEADER', 'x-forwarded-for, forwarded'],
    ['FORCE_HTTPS', 'maybe'],
    ['AUTH_RATE_LIMIT_LOGIN', '5'],
    ['AUTH_RATE_LIMIT_REGISTER', '0/1m'],
    ['AUTH_RATE_LIMIT_RESET', '3/0s'],
    ['AUTH_RATE_LIMIT_REFRESH', 'x/1m'],
    ['AUTH_IP_FAILURE_BUDGET', 'lots'],
    ['AUTH_LOCKOUT_THRESHOLD', '0'],
    ['AUTH_LOCKOUT_THRESHOLD', 'three'],
    ['AUTH_LOCKOUT_BASE_DELAY', '1 second'],
    ['AUTH_LOCKOUT_MAX_DELAY', '15'],
    ['AUTH_IPV6_PREFIX', '200'],
    ['CSRF_MECHANISMS', 'session,bearer'],
    ['SESSION_PROTECTION', 'paranoid'],
    ['FRESHNESS', '10'],
    ['FRESHNESS_GRACE', 'soon'],
    ['SESSION_IDLE_TIMEOUT', '2hours'],
    ['SESSION_MAX_AGE', '1.5d'],
    ['REMEMBER_ME_MAX_AGE', '30D'],
    ['SESSION_SAMESITE', 'None'],
    ['ACCESS_TOKEN_TTL', '15'],
    ['REFRESH_TOKEN_TTL', 'forever'],
    ['REFRESH_TOKEN_IDLE', '7 d'],
    ['ARGON2_THREADS', '0'],
    ['ARGON2_THREADS', 'all'],
    ['ARGON2_NICENESS', '20'],
    ['ARGON2_NICENESS', '-1'],
    ['ARGON2_MAX_QUEUE', '-1'],
    ['ARGON2_MAX_QUEUE', 'unbounded'],
    ['ARGON2_MAX_QUEUE', '100001'],
  ])('refuses %s=%j in one line naming the option and the variable', (variable, value) => {
    const error = configError(() => parseEnv({ [variable]: value }));
    expect(error.setting).toBe(variable);
    expect(error.variable).toBe(variable);
    const [path] = ENV_VARIABLES[variable as keyof typeof ENV_VARIABLES];
    expect(error.message.startsWith(`Invalid configuration: ${path}`)).toBe(true);
    expect(error.message).toContain(` (${variable}) must be `);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each(['ACCESS_TOKEN_TTL', 'REFRESH_TOKEN_TTL', 'FRESHNESS', 'AUTH_LOCKOUT_BASE_DELAY', 'SESSION_MAX_AGE'])('refuses a negative duration in %s', (variable) => {
    expect(configError(() => parseEnv({ [variable]: '-5m' })).setting).toBe(variable);
  });

  it('refuses production without PUBLIC_URL, or with a weak SECRET_KEY', () => {
    expect(configError(() => parseEnv({ NODE_ENV: 'production' })).message).toBe('Invalid configuration: publicOrigin (PUBLIC_URL) is required in production');
    expect(configError(() => parseEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://example.com', SECRET_KEY: WEAK_32_BYTES })).setting).toBe('SECRET_KEY');
    expect(parseEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://example.com' })).toMatchObject({ environment: 'production', forceHttps: true, password: { breachCheck: 'fail-open' } });
  });
});
