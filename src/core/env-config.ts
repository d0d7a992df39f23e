/**
 * @module API.md's environment variables → AuthOptions + ServerSettings. Parsed once at start;
 * the first bad variable stops the start with one line naming it.
 */
import { z } from 'zod';
import { checkOrigin, ConfigError, parseTrustProxyOrThrow, type AuthOptions, type RateLimitRule } from './config.ts';
import { parseDurationMs } from './duration.ts';

const duration = (name: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration like 500ms, 30s, 10m, 2h or 30d (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return ms;
  });

const rateRule = (name: string) =>
  z.string().transform((text, ctx): RateLimitRule => {
    const match = /^(\d+)\/(.+)$/.exec(text.trim());
    const windowMs = match ? parseDurationMs(match[2] ?? '') : undefined;
    const count = match ? Number(match[1]) : NaN;
    if (!match || windowMs === undefined || windowMs <= 0 || !(count > 0)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be COUNT/WINDOW, e.g. 5/1m (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return { count, windowMs };
  });

const bool = (name: string) =>
  z.string().transform((text, ctx) => {
    const value = text.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got ${JSON.stringify(text)})` });
    return z.NEVER;
  });

const wholeNumber = (name: string, min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return n;
  });

const positiveInt = (name: string, max = 1_000_000) => wholeNumber(name, 1, max);

const ENV_SCHEMA = z.object({
  PORT: positiveInt('PORT', 65535).optional(),
  HOST: z.string().min(1).optional(),
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'NODE_ENV must be development, production or test' }).optional(),
  PUBLIC_URL: z.string().optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), { message: 'DATABASE_URL must start with sqlite: or postgres://' })
    .optional(),
  REDIS_URL: z.string().refine((v) => /^rediss?:\/\//.test(v), { message: 'REDIS_URL must start with redis:// or rediss://' }).optional(),
  SECRET_KEY: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  // Header names are case-insensitive: `X-Forwarded-For` is accepted as written.
  TRUST_PROXY_HEADER: z
    .string()
    .transform((text) => text.trim().toLowerCase())
    .pipe(z.enum(['x-forwarded-for', 'forwarded'], { message: 'TRUST_PROXY_HEADER must be x-forwarded-for or forwarded' }))
    .optional(),
  FORCE_HTTPS: bool('FORCE_HTTPS').optional(),
  AUTH_RATE_LIMIT_LOGIN: rateRule('AUTH_RATE_LIMIT_LOGIN').optional(),
  AUTH_RATE_LIMIT_REGISTER: rateRule('AUTH_RATE_LIMIT_REGISTER').optional(),
  AUTH_RATE_LIMIT_RESET: rateRule('AUTH_RATE_LIMIT_RESET').optional(),
  AUTH_RATE_LIMIT_REFRESH: rateRule('AUTH_RATE_LIMIT_REFRESH').optional(),
  AUTH_LOCKOUT_THRESHOLD: positiveInt('AUTH_LOCKOUT_THRESHOLD', 1000).optional(),
  AUTH_LOCKOUT_BASE_DELAY: duration('AUTH_LOCKOUT_BASE_DELAY').optional(),
  AUTH_LOCKOUT_MAX_DELAY: duration('AUTH_LOCKOUT_MAX_DELAY').optional(),
  AUTH_LOCKOUT_WINDOW: duration('AUTH_LOCKOUT_WINDOW').optional(),
  AUTH_LOCKOUT_KNOWN_DEVICE: duration('AUTH_LOCKOUT_KNOWN_DEVICE').optional(),
  AUTH_IP_FAILURE_BUDGET: rateRule('AUTH_IP_FAILURE_BUDGET').optional(),
  AUTH_CLIENT_CHECKS_IN_FLIGHT: positiveInt('AUTH_CLIENT_CHECKS_IN_FLIGHT', 10_000).optional(),
  AUTH_IPV6_PREFIX: positiveInt('AUTH_IPV6_PREFIX', 128).optional(),
  CSRF_MECHANISMS: z
    .string()
    .refine((v) => v.split(',').every((m) => ['session', 'basic', ''].includes(m.trim())), { message: 'CSRF_MECHANISMS must be a comma list of session, basic' })
    .optional(),
  CSRF_TRUSTED_ORIGINS: z.string().optional(),
  CSRF_XSRF_COOKIE: bool('CSRF_XSRF_COOKIE').optional(),
  TLS_CERT: z.string().optional(),
  TLS_KEY: z.string().optional(),
  HTTP_REDIRECT_PORT: positiveInt('HTTP_REDIRECT_PORT', 65535).optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1 to 64 letters, digits, or _ : . -' }).optional(),
  SESSION_PROTECTION: z.enum(['off', 'basic', 'strong'], { message: 'SESSION_PROTECTION must be off, basic or strong' }).optional(),
  FRESHNESS: duration('FRESHNESS').optional(),
  FRESHNESS_GRACE: duration('FRESHNESS_GRACE').optional(),
  BOOTSTRAP_ADMIN_EMAIL: z.string().optional(),
  SESSION_IDLE_TIMEOUT: duration('SESSION_IDLE_TIMEOUT').optional(),
  SESSION_MAX_AGE: duration('SESSION_MAX_AGE').optional(),
  REMEMBER_ME_MAX_AGE: duration('REMEMBER_ME_MAX_AGE').optional(),
  SESSION_SAMESITE: z.enum(['Strict', 'Lax'], { message: 'SESSION_SAMESITE must be Strict or Lax' }).optional(),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL').optional(),
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL').optional(),
  REFRESH_TOKEN_IDLE: duration('REFRESH_TOKEN_IDLE').optional(),
  TOKEN_STATE_CACHE_TTL: duration('TOKEN_STATE_CACHE_TTL').optional(),
  PASSWORD_MIN_LENGTH: positiveInt('PASSWORD_MIN_LENGTH', 256).optional(),
  PASSWORD_MAX_LENGTH: positiveInt('PASSWORD_MAX_LENGTH', 4096).optional(),
  PASSWORD_MIN_STRENGTH: z.enum(['0', '1', '2', '3', '4'], { message: 'PASSWORD_MIN_STRENGTH must be 0, 1, 2, 3 or 4' }).optional(),
  PASSWORD_NORMALIZATION: z.enum(['NFKC', 'NFC', 'none'], { message: 'PASSWORD_NORMALIZATION must be NFKC, NFC or none' }).optional(),
  PASSWORD_BREACH_CHECK: z.enum(['off', 'fail-open', 'fail-closed'], { message: 'PASSWORD_BREACH_CHECK must be off, fail-open or fail-closed' }).optional(),
  PASSWORD_BREACH_CHECK_URL: z.string().optional(),
  PASSWORD_BREACH_CHECK_TIMEOUT: duration('PASSWORD_BREACH_CHECK_TIMEOUT').optional(),
  PASSWORD_RESET_TTL: duration('PASSWORD_RESET_TTL').optional(),
  ARGON2_MEMORY_KIB: positiveInt('ARGON2_MEMORY_KIB', 4_194_304).optional(),
  ARGON2_TIME_COST: positiveInt('ARGON2_TIME_COST', 100).optional(),
  ARGON2_PARALLELISM: positiveInt('ARGON2_PARALLELISM', 64).optional(),
  ARGON2_THREADS: z.union([z.literal('cores'), positiveInt('ARGON2_THREADS', 256)], { message: 'ARGON2_THREADS must be cores or a whole number from 1 to 256' }).optional(),
  ARGON2_NICENESS: wholeNumber('ARGON2_NICENESS', 0, 19).optional(),
  ARGON2_MAX_QUEUE: z.union([z.literal('auto'), wholeNumber('ARGON2_MAX_QUEUE', 0, 100_000)], { message: 'ARGON2_MAX_QUEUE must be auto or a whole number from 0 to 100000' }).optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
  METRICS: bool('METRICS').optional(),
  METRICS_TOKEN: z.string().min(16, { message: 'METRICS_TOKEN must be at least 16 characters' }).optional(),
  ACCESS_TOKEN_KEY_FILE: z.string().min(1).optional(),
  SMTP_URL: z.string().optional(),
  MAIL_OUTBOX: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'LOG_LEVEL must be a pino level (fatal … trace, silent)' })
    .optional(),
});

/** What the reference server needs besides the auth config. */
export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly redisUrl: string | null;
  readonly smtpUrl: string | null;
  readonly mailOutbox: string;
  readonly logLevel: string;
  /** PEM files: serve HTTPS directly. */
  readonly tls: { readonly certPath: string; readonly keyPath: string } | null;
  /** With TLS, a plain-HTTP port that only redirects to HTTPS. */
  readonly httpRedirectPort: number | null;
  readonly redisKeyPrefix: string;
  /** PEM file of Ed25519 private keys for access tokens: the first signs, the others still verify. */
  readonly accessTokenKeyFile: string | null;
  /** `GET /metrics`: off by default; with a token, scrapers send it as Bearer; without one, loopback clients only. */
  readonly metrics: { readonly enabled: boolean; readonly token: string | null };
}

export interface EnvConfig {
  readonly server: ServerSettings;
  /** Everything but the secret, which the server may have to generate. */
  readonly auth: Omit<AuthOptions, 'secretKey'> & { secretKey: string | undefined };
}

/** Parses API.md's environment variables. Throws ConfigError naming the first bad variable. */
export function readEnvConfig(env: Readonly<Record<string, string | undefined>>): EnvConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([key, v]) => v !== undefined && v !== '' && key in ENV_SCHEMA.shape));
  const parsed = ENV_SCHEMA.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const message = issue?.message ?? 'is invalid';
    throw new ConfigError(variable, message.startsWith(variable) ? message.slice(variable.length + 1) : message);
  }
  const e = parsed.data;
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    throw new ConfigError(e.TLS_CERT === undefined ? 'TLS_CERT' : 'TLS_KEY', 'must be set together with ' + (e.TLS_CERT === undefined ? 'TLS_KEY' : 'TLS_CERT'));
  }
  const port = e.PORT ?? 3000;
  const host = e.HOST ?? '127.0.0.1';
  const environment = e.NODE_ENV ?? 'development';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server: {
      port,
      host,
      databaseUrl: e.DATABASE_URL ?? 'sqlite:./data/portcullis.db',
      redisUrl: e.REDIS_URL ?? null,
      smtpUrl: e.SMTP_URL ?? null,
      mailOutbox: e.MAIL_OUTBOX ?? './data/outbox.jsonl',
      logLevel: e.LOG_LEVEL ?? 'info',
      tls: e.TLS_CERT && e.TLS_KEY ? { certPath: e.TLS_CERT, keyPath: e.TLS_KEY } : null,
      httpRedirectPort: e.HTTP_REDIRECT_PORT ?? null,
      redisKeyPrefix: e.REDIS_KEY_PREFIX ?? 'portcullis',
      accessTokenKeyFile: e.ACCESS_TOKEN_KEY_FILE ?? null,
      metrics: { enabled: e.METRICS ?? false, token: e.METRICS_TOKEN ?? null },
    },
    auth: {
      environment,
      secretKey: e.SECRET_KEY,
      publicOrigin: e.PUBLIC_URL !== undefined ? checkOrigin(e.PUBLIC_URL, 'PUBLIC_URL') : environment === 'production' ? undefined : `http://${urlHost}:${port}`,
      trustProxy: e.TRUST_PROXY !== undefined ? parseTrustProxyOrThrow(e.TRUST_PROXY) : undefined,
      trustProxyHeader: e.TRUST_PROXY_HEADER,
      forceHttps: e.FORCE_HTTPS,
      session: {
        idleTimeoutMs: e.SESSION_IDLE_TIMEOUT,
        maxAgeMs: e.SESSION_MAX_AGE,
        rememberMeMaxAgeMs: e.REMEMBER_ME_MAX_AGE,
        protection: e.SESSION_PROTECTION,
        sameSite: e.SESSION_SAMESITE,
      },
      freshnessMs: e.FRESHNESS,
      freshnessGraceMs: e.FRESHNESS_GRACE,
      bootstrapAdminEmail: e.BOOTSTRAP_ADMIN_EMAIL ?? undefined,
      rateLimits: {
        login: e.AUTH_RATE_LIMIT_LOGIN,
        register: e.AUTH_RATE_LIMIT_REGISTER,
        reset: e.AUTH_RATE_LIMIT_RESET,
        refresh: e.AUTH_RATE_LIMIT_REFRESH,
      },
      lockout: {
        threshold: e.AUTH_LOCKOUT_THRESHOLD,
        baseDelayMs: e.AUTH_LOCKOUT_BASE_DELAY,
        maxDelayMs: e.AUTH_LOCKOUT_MAX_DELAY,
        failureWindowMs: e.AUTH_LOCKOUT_WINDOW,
        knownDeviceMs: e.AUTH_LOCKOUT_KNOWN_DEVICE,
        ipFailureBudget: e.AUTH_IP_FAILURE_BUDGET,
        clientChecksInFlight: e.AUTH_CLIENT_CHECKS_IN_FLIGHT,
      },
      ipv6PrefixLength: e.AUTH_IPV6_PREFIX,
      csrf: {
        mechanisms: e.CSRF_MECHANISMS?.split(',').map((m) => m.trim()).filter((m): m is 'session' | 'basic' => m === 'session' || m === 'basic'),
        trustedOrigins: e.CSRF_TRUSTED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean),
        xsrfCookie: e.CSRF_XSRF_COOKIE,
      },
      password: {
        minLength: e.PASSWORD_MIN_LENGTH,
        maxLength: e.PASSWORD_MAX_LENGTH,
        minStrength: e.PASSWORD_MIN_STRENGTH === undefined ? undefined : (Number(e.PASSWORD_MIN_STRENGTH) as 0 | 1 | 2 | 3 | 4),
        normalization: e.PASSWORD_NORMALIZATION,
        breachCheck: e.PASSWORD_BREACH_CHECK,
        breachCheckUrl: e.PASSWORD_BREACH_CHECK_URL,
        breachCheckTimeoutMs: e.PASSWORD_BREACH_CHECK_TIMEOUT,
        resetTokenTtlMs: e.PASSWORD_RESET_TTL,
        argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
        hashing: { threads: e.ARGON2_THREADS, niceness: e.ARGON2_NICENESS, maxQueue: e.ARGON2_MAX_QUEUE },
      },
      mailFrom: e.MAIL_FROM,
      tokens: { accessTtlMs: e.ACCESS_TOKEN_TTL, refreshTtlMs: e.REFRESH_TOKEN_TTL, refreshIdleMs: e.REFRESH_TOKEN_IDLE, stateCacheTtlMs: e.TOKEN_STATE_CACHE_TTL },
    },
  };
}

