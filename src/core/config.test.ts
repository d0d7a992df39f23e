import { describe, expect, it } from 'vitest';
import { ConfigError, defineConfig, estimateSecretBits, type AuthOptions } from './config.ts';
import { readEnvConfig } from './env-config.ts';

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

describe('defineConfig', () => {
  it('fills every default from API.md and freezes the result', () => {
    const config = defineConfig({ secretKey: STRONG_SECRET });
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
    const config = defineConfig({ secretKey: STRONG_SECRET, session: { idleTimeoutMs: 5_000 }, rateLimits: { login: { count: 50 } } });
    expect(config.session.idleTimeoutMs).toBe(5_000);
    expect(config.session.maxAgeMs).toBe(24 * 3_600_000);
    expect(config.rateLimits.login).toEqual({ count: 50, windowMs: 60_000 });
    expect(config.rateLimits.register).toEqual({ count: 3, windowMs: 3_600_000 });
    // A second config is not affected by the first.
    expect(defineConfig({ secretKey: STRONG_SECRET }).session.idleTimeoutMs).toBe(2 * 3_600_000);
  });

  it('keeps only the origin of PUBLIC_URL and refuses anything but http(s)', () => {
    expect(defineConfig({ secretKey: STRONG_SECRET, publicOrigin: 'https://auth.example.com/some/path?q=1' }).publicOrigin).toBe('https://auth.example.com');
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, publicOrigin: 'example.com' })).setting).toBe('PUBLIC_URL');
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, publicOrigin: 'ftp://example.com' })).setting).toBe('PUBLIC_URL');
  });

  it('parses trustProxy given in TRUST_PROXY syntax', () => {
    expect(defineConfig({ secretKey: STRONG_SECRET, trustProxy: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(defineConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback' }).trustProxy.kind).toBe('cidrs');
    const error = configError(() => defineConfig({ secretKey: STRONG_SECRET, trustProxy: '10.0.0.0/33' }));
    expect(error.setting).toBe('TRUST_PROXY');
    expect(error.message).toContain('TRUST_PROXY');
  });

  it('believes X-Forwarded-For by default, Forwarded only when asked, nothing else', () => {
    expect(defineConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback' }).trustProxyHeader).toBe('x-forwarded-for');
    expect(defineConfig({ secretKey: STRONG_SECRET, trustProxy: 'loopback', trustProxyHeader: 'forwarded' }).trustProxyHeader).toBe('forwarded');
    const bogus = { secretKey: STRONG_SECRET, trustProxyHeader: 'x-real-ip' } as unknown as Parameters<typeof defineConfig>[0];
    expect(configError(() => defineConfig(bogus)).setting).toBe('TRUST_PROXY_HEADER');
  });

  it('refuses a secret shorter than 32 bytes, in any environment', () => {
    for (const environment of ['development', 'test', 'production'] as const) {
      const error = configError(() => defineConfig({ secretKey: 'short', environment, publicOrigin: 'https://example.com' }));
      expect(error.setting).toBe('SECRET_KEY');
      expect(error.message).toContain('SECRET_KEY');
    }
  });

  it('accepts a low-entropy 32-byte secret in development but not in production', () => {
    expect(defineConfig({ secretKey: WEAK_32_BYTES }).secretKey).toBe(WEAK_32_BYTES);
    for (const weak of [WEAK_32_BYTES, 'a'.repeat(64), 'ab'.repeat(32)]) {
      const error = configError(() => defineConfig({ secretKey: weak, environment: 'production', publicOrigin: 'https://example.com' }));
      expect(error.setting).toBe('SECRET_KEY');
      expect(error.message).toMatch(/SECRET_KEY.*weak/);
    }
  });

  // estimateSecretBits counts characters, not patterns: this 40-byte secret of ~33 real bits scores 133.
  it('refuses a repeated pattern such as "0123456789" × 4 in production', () => {
    const secretKey = '0123456789'.repeat(4);
    expect(configError(() => defineConfig({ secretKey, environment: 'production', publicOrigin: 'https://example.com' })).setting).toBe('SECRET_KEY');
  });

  it('refuses production with an empty secret', () => {
    expect(configError(() => defineConfig({ secretKey: '', environment: 'production', publicOrigin: 'https://example.com' })).setting).toBe('SECRET_KEY');
  });

  it('refuses a missing secret (a JavaScript caller, or SECRET_KEY unset) with a ConfigError naming SECRET_KEY', () => {
    const options = { environment: 'production', publicOrigin: 'https://example.com' } as unknown as AuthOptions;
    expect(configError(() => defineConfig(options)).setting).toBe('SECRET_KEY');
  });

  it('refuses production without PUBLIC_URL and turns HTTPS on there', () => {
    const error = configError(() => defineConfig({ secretKey: STRONG_SECRET, environment: 'production' }));
    expect(error.setting).toBe('PUBLIC_URL');
    expect(error.message).toContain('PUBLIC_URL');
    const config = defineConfig({ secretKey: STRONG_SECRET, environment: 'production', publicOrigin: 'https://example.com' });
    expect(config.forceHttps).toBe(true);
    expect(defineConfig({ secretKey: STRONG_SECRET, environment: 'production', publicOrigin: 'https://example.com', forceHttps: false }).forceHttps).toBe(false);
  });

  it.each([
    ['SESSION_IDLE_TIMEOUT', { session: { idleTimeoutMs: 0 } }],
    ['SESSION_MAX_AGE', { session: { maxAgeMs: -1 } }],
    ['REMEMBER_ME_MAX_AGE', { session: { rememberMeMaxAgeMs: Number.NaN } }],
    ['basePath', { basePath: 'auth' }],
    ['basePath', { basePath: '/auth/' }],
  ] as const)('refuses a bad %s', (setting, options) => {
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, ...options })).setting).toBe(setting);
  });

  it('estimates entropy: a random base64 secret is strong, repetition is not', () => {
    expect(estimateSecretBits(STRONG_SECRET)).toBeGreaterThan(128);
    expect(estimateSecretBits('a'.repeat(100))).toBe(0);
    expect(estimateSecretBits('ab'.repeat(16))).toBeCloseTo(32);
  });
});

describe('readEnvConfig', () => {
  it('defaults everything from an empty environment', () => {
    expect(readEnvConfig({})).toEqual({
      server: {
        port: 3000,
        host: '127.0.0.1',
        databaseUrl: 'sqlite:./data/portcullis.db',
        redisUrl: null,
        smtpUrl: null,
        mailOutbox: './data/outbox.jsonl',
        logLevel: 'info',
        tls: null,
        httpRedirectPort: null,
        redisKeyPrefix: 'portcullis',
        accessTokenKeyFile: null,
        metrics: { enabled: false, token: null },
      },
      auth: expect.objectContaining({ environment: 'development', secretKey: undefined, publicOrigin: 'http://127.0.0.1:3000', trustProxy: undefined }),
    });
    const config = defineConfig({ ...readEnvConfig({}).auth, secretKey: STRONG_SECRET });
    expect(config).toEqual(defineConfig({ secretKey: STRONG_SECRET }));
  });

  it('refuses TLS_CERT without TLS_KEY, naming the missing one', () => {
    expect(configError(() => readEnvConfig({ TLS_CERT: '/etc/tls/cert.pem' })).setting).toBe('TLS_KEY');
    expect(configError(() => readEnvConfig({ TLS_KEY: '/etc/tls/key.pem' })).setting).toBe('TLS_CERT');
  });

  it.each([
    ['CSRF_MECHANISMS', 'session,bearer'],
    ['AUTH_IPV6_PREFIX', '200'],
    ['AUTH_IP_FAILURE_BUDGET', 'lots'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['ARGON2_THREADS', '0'],
    ['ARGON2_THREADS', 'all'],
    ['ARGON2_NICENESS', '20'],
    ['ARGON2_NICENESS', '-1'],
    ['ARGON2_MAX_QUEUE', '-1'],
    ['ARGON2_MAX_QUEUE', 'unbounded'],
    ['ARGON2_MAX_QUEUE', '100001'],
  ])(
    'refuses %s=%j with a ConfigError naming it',
    (name, value) => {
      expect(configError(() => defineConfig({ ...readEnvConfig({ [name]: value }).auth, secretKey: STRONG_SECRET })).setting).toBe(name);
    },
  );

  it('reads where argon2id runs: ARGON2_THREADS (a number or "cores") and ARGON2_NICENESS (0 keeps the priority)', () => {
    const defaults = defineConfig({ secretKey: STRONG_SECRET }).password.hashing;
    expect(defaults).toEqual({ threads: 'cores', niceness: 10, maxQueue: 'auto' });
    const set = (env: Record<string, string>) => defineConfig({ ...readEnvConfig(env).auth, secretKey: STRONG_SECRET }).password.hashing;
    expect(set({ ARGON2_THREADS: '3', ARGON2_NICENESS: '0' })).toEqual({ threads: 3, niceness: 0, maxQueue: 'auto' });
    expect(set({ ARGON2_THREADS: 'cores' })).toEqual({ threads: 'cores', niceness: 10, maxQueue: 'auto' });
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, password: { hashing: { niceness: 25 } } })).setting).toBe('ARGON2_NICENESS');
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, password: { hashing: { threads: 1.5 } } })).setting).toBe('ARGON2_THREADS');
  });

  it('reads the hashing queue bound: ARGON2_MAX_QUEUE ("auto" = 4 per thread, or a number; 0 = no waiting)', () => {
    const set = (env: Record<string, string>) => defineConfig({ ...readEnvConfig(env).auth, secretKey: STRONG_SECRET }).password.hashing.maxQueue;
    expect(set({ ARGON2_MAX_QUEUE: '2' })).toBe(2);
    expect(set({ ARGON2_MAX_QUEUE: '0' })).toBe(0);
    expect(set({ ARGON2_MAX_QUEUE: 'auto' })).toBe('auto');
    expect(defineConfig({ secretKey: STRONG_SECRET, password: { hashing: { maxQueue: 7 } } }).password.hashing).toEqual({ threads: 'cores', niceness: 10, maxQueue: 7 });
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, password: { hashing: { maxQueue: 1.5 } } })).setting).toBe('ARGON2_MAX_QUEUE');
    expect(configError(() => defineConfig({ secretKey: STRONG_SECRET, password: { hashing: { maxQueue: -1 } } })).setting).toBe('ARGON2_MAX_QUEUE');
  });

  it('ignores empty and unknown variables', () => {
    const env = readEnvConfig({ PORT: '', SECRET_KEY: '', HOME: '/root', PATH: '/bin', npm_config_x: '1' });
    expect(env.server.port).toBe(3000);
    expect(env.auth.secretKey).toBeUndefined();
  });

  it('parses every variable of API.md', () => {
    const env = readEnvConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://auth.example.com/',
      DATABASE_URL: 'postgres://app@db.internal:5432/app',
      REDIS_URL: 'rediss://cache.internal:6380',
      SECRET_KEY: STRONG_SECRET,
      TRUST_PROXY: '10.0.0.0/8, 192.168.0.0/16',
      FORCE_HTTPS: 'yes',
      AUTH_RATE_LIMIT_LOGIN: '10/5m',
      AUTH_RATE_LIMIT_REGISTER: '4/2h',
      AUTH_RATE_LIMIT_RESET: '2/1d',
      AUTH_RATE_LIMIT_REFRESH: '20/30s',
      AUTH_LOCKOUT_THRESHOLD: '5',
      AUTH_LOCKOUT_BASE_DELAY: '2s',
      AUTH_LOCKOUT_MAX_DELAY: '1h',
      SESSION_PROTECTION: 'strong',
      FRESHNESS: '5m',
      FRESHNESS_GRACE: '30s',
      BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com',
      SESSION_IDLE_TIMEOUT: '30m',
      SESSION_MAX_AGE: '12h',
      REMEMBER_ME_MAX_AGE: '7d',
      SESSION_SAMESITE: 'Lax',
      ACCESS_TOKEN_TTL: '5m',
      REFRESH_TOKEN_TTL: '30d',
      REFRESH_TOKEN_IDLE: '1d',
      SMTP_URL: 'smtp://mail.internal:2525',
      MAIL_OUTBOX: '/tmp/outbox.jsonl',
      LOG_LEVEL: 'debug',
      AUTH_LOCKOUT_WINDOW: '12h',
      AUTH_LOCKOUT_KNOWN_DEVICE: '7d',
      AUTH_IP_FAILURE_BUDGET: '50/1h',
      AUTH_IPV6_PREFIX: '56',
      CSRF_MECHANISMS: 'session',
      CSRF_TRUSTED_ORIGINS: 'https://admin.example.com, https://app.example.com/',
      CSRF_XSRF_COOKIE: 'true',
      TLS_CERT: '/etc/tls/cert.pem',
      TLS_KEY: '/etc/tls/key.pem',
      HTTP_REDIRECT_PORT: '8081',
      REDIS_KEY_PREFIX: 'myapp',
      ACCESS_TOKEN_KEY_FILE: '/etc/portcullis/keys.pem',
      TOKEN_STATE_CACHE_TTL: '10s',
      METRICS: 'on',
      METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(env.server).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://app@db.internal:5432/app',
      redisUrl: 'rediss://cache.internal:6380',
      smtpUrl: 'smtp://mail.internal:2525',
      mailOutbox: '/tmp/outbox.jsonl',
      logLevel: 'debug',
      tls: { certPath: '/etc/tls/cert.pem', keyPath: '/etc/tls/key.pem' },
      httpRedirectPort: 8081,
      redisKeyPrefix: 'myapp',
      accessTokenKeyFile: '/etc/portcullis/keys.pem',
      metrics: { enabled: true, token: 'scrape-token-0123456789' },
    });
    expect(env.auth.secretKey).toBe(STRONG_SECRET);
    const config = defineConfig({ ...env.auth, secretKey: STRONG_SECRET });
    expect(config).toMatchObject({
      environment: 'test',
      publicOrigin: 'https://auth.example.com',
      forceHttps: true,
      trustProxy: { kind: 'cidrs', cidrs: ['10.0.0.0/8', '192.168.0.0/16'] },
      session: { idleTimeoutMs: 1_800_000, maxAgeMs: 43_200_000, rememberMeMaxAgeMs: 7 * 86_400_000, protection: 'strong', sameSite: 'Lax' },
      freshnessMs: 300_000,
      freshnessGraceMs: 30_000,
      bootstrapAdminEmail: 'admin@example.com',
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
      },
      ipv6PrefixLength: 56,
      csrf: { mechanisms: ['session'], trustedOrigins: ['https://admin.example.com', 'https://app.example.com'], xsrfCookie: true },
      tokens: { accessTtlMs: 300_000, refreshTtlMs: 30 * 86_400_000, refreshIdleMs: 86_400_000, stateCacheTtlMs: 10_000 },
    });
  });

  it.each([
    ['sqlite:/var/lib/app.db'],
    ['postgres://u@h/db'],
    ['postgresql://u:p@h:5433/db'],
  ])('accepts DATABASE_URL %j', (url) => {
    expect(readEnvConfig({ DATABASE_URL: url }).server.databaseUrl).toBe(url);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['ON', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('parses FORCE_HTTPS=%j', (text, value) => {
    expect(readEnvConfig({ FORCE_HTTPS: text }).auth.forceHttps).toBe(value);
  });

  it('parses TRUST_PROXY forms', () => {
    expect(readEnvConfig({ TRUST_PROXY: 'false' }).auth.trustProxy).toEqual({ kind: 'none' });
    expect(readEnvConfig({ TRUST_PROXY: '1' }).auth.trustProxy).toEqual({ kind: 'hops', hops: 1 });
    expect(readEnvConfig({ TRUST_PROXY: 'loopback' }).auth.trustProxy).toMatchObject({ kind: 'cidrs' });
  });

  it.each([
    ['forwarded', 'forwarded'],
    ['Forwarded', 'forwarded'],
    ['x-forwarded-for', 'x-forwarded-for'],
    [' X-Forwarded-For ', 'x-forwarded-for'],
  ] as const)('parses TRUST_PROXY_HEADER=%j', (text, header) => {
    const env = readEnvConfig({ TRUST_PROXY: 'loopback', TRUST_PROXY_HEADER: text });
    expect(env.auth.trustProxyHeader).toBe(header);
    expect(defineConfig({ ...env.auth, secretKey: STRONG_SECRET }).trustProxyHeader).toBe(header);
  });

  it('leaves TRUST_PROXY_HEADER unset to the default, x-forwarded-for', () => {
    const env = readEnvConfig({ TRUST_PROXY: 'loopback' });
    expect(env.auth.trustProxyHeader).toBeUndefined();
    expect(defineConfig({ ...env.auth, secretKey: STRONG_SECRET }).trustProxyHeader).toBe('x-forwarded-for');
  });

  it('derives PUBLIC_URL from HOST and PORT outside production, brackets IPv6', () => {
    expect(readEnvConfig({ PORT: '8443', HOST: 'localhost' }).auth.publicOrigin).toBe('http://localhost:8443');
    expect(readEnvConfig({ HOST: '::1' }).auth.publicOrigin).toBe('http://[::1]:3000');
    expect(readEnvConfig({ NODE_ENV: 'production' }).auth.publicOrigin).toBeUndefined();
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['PORT', '80.5'],
    ['NODE_ENV', 'staging'],
    ['PUBLIC_URL', 'example.com'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
    ['DATABASE_URL', 'mysql://u@h/db'],
    ['REDIS_URL', 'http://cache'],
    ['TRUST_PROXY', '300.1.1.1/8'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY_HEADER', 'x-real-ip'],
    ['TRUST_PROXY_HEADER', 'x-forwarded-for, forwarded'],
    ['FORCE_HTTPS', 'maybe'],
    ['AUTH_RATE_LIMIT_LOGIN', '5'],
    ['AUTH_RATE_LIMIT_REGISTER', '0/1m'],
    ['AUTH_RATE_LIMIT_RESET', '3/0s'],
    ['AUTH_RATE_LIMIT_REFRESH', 'x/1m'],
    ['AUTH_LOCKOUT_THRESHOLD', '0'],
    ['AUTH_LOCKOUT_THRESHOLD', 'three'],
    ['AUTH_LOCKOUT_BASE_DELAY', '1 second'],
    ['AUTH_LOCKOUT_MAX_DELAY', '15'],
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
    ['LOG_LEVEL', 'verbose'],
  ])('refuses %s=%j with a ConfigError naming it', (variable, value) => {
    const error = configError(() => readEnvConfig({ [variable]: value }));
    expect(error.setting).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each(['ACCESS_TOKEN_TTL', 'REFRESH_TOKEN_TTL', 'FRESHNESS', 'AUTH_LOCKOUT_BASE_DELAY', 'SESSION_MAX_AGE'])(
    'refuses a negative duration in %s (read, then defined)',
    (variable) => {
      const error = configError(() => defineConfig({ ...readEnvConfig({ [variable]: '-5m' }).auth, secretKey: STRONG_SECRET }));
      expect(error.setting).toBe(variable);
    },
  );

  it('refuses production without PUBLIC_URL or with a weak SECRET_KEY once defined', () => {
    const noUrl = readEnvConfig({ NODE_ENV: 'production', SECRET_KEY: STRONG_SECRET });
    expect(configError(() => defineConfig({ ...noUrl.auth, secretKey: STRONG_SECRET })).setting).toBe('PUBLIC_URL');
    const weak = readEnvConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://example.com', SECRET_KEY: WEAK_32_BYTES });
    expect(configError(() => defineConfig({ ...weak.auth, secretKey: weak.auth.secretKey ?? '' })).setting).toBe('SECRET_KEY');
    const good = readEnvConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://example.com', SECRET_KEY: STRONG_SECRET });
    expect(defineConfig({ ...good.auth, secretKey: good.auth.secretKey ?? '' }).environment).toBe('production');
  });
});
