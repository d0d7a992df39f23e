/**
 * @module Typed configuration: parsed once (from code options or environment variables),
 * validated, defaulted and frozen. Nothing else in the tree reads `process.env`.
 */
import { deflateRawSync } from 'node:zlib';
import { parseTrustProxy, TRUST_PROXY_HEADERS, type TrustProxy, type TrustProxyHeader } from './trust-proxy.ts';

export type Environment = 'development' | 'production' | 'test';
export type SessionProtection = 'off' | 'basic' | 'strong';
export type SameSite = 'Strict' | 'Lax';

export interface RateLimitRule {
  readonly count: number;
  readonly windowMs: number;
}

export interface AuthConfig {
  readonly environment: Environment;
  /** The app's public origin, e.g. `https://example.com`: redirects, allowed `Origin`. */
  readonly publicOrigin: string;
  /** ≥ 32 bytes; keys every HMAC (CSRF tokens, flash messages). */
  readonly secretKey: string;
  readonly trustProxy: TrustProxy;
  /** The one forwarding header believed from a trusted proxy: `x-forwarded-for` (+ `X-Forwarded-Proto`) or RFC 7239 `forwarded`. */
  readonly trustProxyHeader: TrustProxyHeader;
  readonly forceHttps: boolean;
  /** Where the auth routes are mounted. */
  readonly basePath: string;
  readonly bodyLimitBytes: number;
  readonly session: {
    readonly idleTimeoutMs: number;
    readonly maxAgeMs: number;
    readonly rememberMeMaxAgeMs: number;
    readonly protection: SessionProtection;
    readonly sameSite: SameSite;
    /** How stale `last_seen` may get before a request writes it again (saves a write per request). */
    readonly touchIntervalMs: number;
  };
  readonly freshnessMs: number;
  readonly freshnessGraceMs: number;
  readonly bootstrapAdminEmail: string | null;
  readonly password: {
    readonly minLength: number;
    readonly maxLength: number;
    /** Applied before hashing and before every check; the same password typed composed or decomposed logs in. */
    readonly normalization: 'NFKC' | 'NFC' | 'none';
    /** Minimum zxcvbn score 0–4; 0 turns the strength rule off. */
    readonly minStrength: 0 | 1 | 2 | 3 | 4;
    /** Have I Been Pwned range check (k-anonymity): off, or on failing open or closed when unreachable. */
    readonly breachCheck: 'off' | 'fail-open' | 'fail-closed';
    readonly breachCheckUrl: string;
    readonly breachCheckTimeoutMs: number;
    /** argon2id cost; changing it re-hashes each password at its next successful login. */
    readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
    /**
     * Where argon2id runs: `threads` worker threads ('cores': one per core), each `niceness` steps
     * below the event loop's scheduling priority (0–19, Linux; 0 keeps the same priority). At most
     * `maxQueue` hashes wait for a thread ('auto': 4 per thread); past that a request needing one is
     * answered 503 BUSY + Retry-After at once, so a flood of guesses cannot delay real logins.
     */
    readonly hashing: { readonly threads: number | 'cores'; readonly niceness: number; readonly maxQueue: number | 'auto' };
    /** Lifetime of a password-reset link. */
    readonly resetTokenTtlMs: number;
  };
  /** The sender of Portcullis's e-mails (password reset). */
  readonly mailFrom: string;
  readonly rateLimits: {
    readonly login: RateLimitRule;
    readonly register: RateLimitRule;
    readonly reset: RateLimitRule;
    readonly refresh: RateLimitRule;
  };
  readonly lockout: {
    readonly threshold: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** How long failures are remembered, from the first, when no success resets them. */
    readonly failureWindowMs: number;
    /** A (client, account) pair that logged in successfully keeps its own budget this long. */
    readonly knownDeviceMs: number;
    /** Failed logins one client may make across all identities (credential stuffing). */
    readonly ipFailureBudget: RateLimitRule;
    /** Secret checks (hashes) one client may have running or queued at once, in this process. */
    readonly clientChecksInFlight: number;
  };
  /** IPv6 clients are counted per prefix of this length (one customer's allocation). */
  readonly ipv6PrefixLength: number;
  readonly csrf: {
    /** Which authentication mechanisms need a CSRF token on unsafe methods (never bearer tokens). */
    readonly mechanisms: readonly ('session' | 'basic')[];
    /** Origins besides PUBLIC_URL allowed to send cookie-authenticated unsafe requests. */
    readonly trustedOrigins: readonly string[];
    /** Also set a JS-readable `XSRF-TOKEN` cookie (double submit) for single-page apps. */
    readonly xsrfCookie: boolean;
  };
  readonly tokens: {
    readonly accessTtlMs: number;
    readonly refreshTtlMs: number;
    readonly refreshIdleMs: number;
    /** How long a process may trust its cached copy of a user's state for bearer tokens. */
    readonly stateCacheTtlMs: number;
    /** `iss` and `aud` of access tokens; default: the public origin. */
    readonly issuer: string | null;
    readonly audience: string | null;
  };
  /** Pages the auth routes redirect browsers to. */
  readonly pages: {
    readonly login: string;
    readonly verify: string;
    readonly afterLogin: string;
    readonly afterLogout: string;
    readonly forgotPassword: string;
    /** The page the reset e-mail links to (`?token=…`). */
    readonly resetPassword: string;
  };
}

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
/** What code passes to `createAuth`: any subset; the rest is defaulted. */
export type AuthOptions = Omit<DeepPartial<AuthConfig>, 'trustProxy'> & {
  secretKey: string;
  /** A parsed TrustProxy, or the TRUST_PROXY syntax: `false`, `loopback`, a hop count, CIDRs. */
  trustProxy?: TrustProxy | string;
};

/** Thrown at start when configuration is invalid: one line naming the setting. */
export class ConfigError extends Error {
  constructor(readonly setting: string, detail: string) {
    super(`Invalid configuration: ${setting} ${detail}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;

const DEFAULTS: Omit<AuthConfig, 'secretKey' | 'publicOrigin' | 'forceHttps'> = {
  environment: 'development',
  trustProxy: { kind: 'none' },
  trustProxyHeader: 'x-forwarded-for',
  basePath: '/auth',
  bodyLimitBytes: 64 * 1024,
  session: {
    idleTimeoutMs: 2 * 3_600_000,
    maxAgeMs: 24 * 3_600_000,
    rememberMeMaxAgeMs: 30 * 86_400_000,
    protection: 'basic',
    sameSite: 'Strict',
    touchIntervalMs: 60_000,
  },
  freshnessMs: 10 * 60_000,
  freshnessGraceMs: 0,
  bootstrapAdminEmail: null,
  password: {
    minLength: 8,
    maxLength: 256,
    normalization: 'NFKC',
    minStrength: 3,
    breachCheck: 'off',
    breachCheckUrl: 'https://api.pwnedpasswords.com/range/',
    breachCheckTimeoutMs: 1_500,
    argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
    hashing: { threads: 'cores', niceness: 10, maxQueue: 'auto' },
    resetTokenTtlMs: 3_600_000,
  },
  mailFrom: 'Portcullis <no-reply@localhost>',
  rateLimits: {
    login: { count: 5, windowMs: 60_000 },
    register: { count: 3, windowMs: 3_600_000 },
    reset: { count: 3, windowMs: 3_600_000 },
    refresh: { count: 10, windowMs: 60_000 },
  },
  lockout: {
    threshold: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 15 * 60_000,
    failureWindowMs: 24 * 3_600_000,
    knownDeviceMs: 30 * 86_400_000,
    ipFailureBudget: { count: 20, windowMs: 3_600_000 },
    clientChecksInFlight: 8,
  },
  ipv6PrefixLength: 64,
  csrf: { mechanisms: ['session', 'basic'], trustedOrigins: [], xsrfCookie: false },
  tokens: { accessTtlMs: 15 * 60_000, refreshTtlMs: 90 * 86_400_000, refreshIdleMs: 7 * 86_400_000, stateCacheTtlMs: 30_000, issuer: null, audience: null },
  pages: { login: '/login', verify: '/verify', afterLogin: '/', afterLogout: '/', forgotPassword: '/forgot-password', resetPassword: '/reset-password' },
};

/**
 * Rough entropy estimate in bits: the smaller of length × Shannon entropy per character and the
 * size of the secret compressed — repetition and patterns compress, random bytes do not.
 */
export function estimateSecretBits(secret: string): number {
  return Math.min(shannonBits(secret), (deflateRawSync(secret).length - 2) * 8);
}

function shannonBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / secret.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * secret.length;
}

function checkSecret(secret: unknown, environment: Environment): asserts secret is string {
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigError('SECRET_KEY', 'is required (generate one: openssl rand -base64 48)');
  }
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ConfigError('SECRET_KEY', `must be at least ${MIN_SECRET_BYTES} bytes (generate one: openssl rand -base64 48)`);
  }
  if (environment === 'production' && (estimateSecretBits(secret) < 128 || /^(.{1,32}?)\1+$/s.test(secret))) {
    throw new ConfigError('SECRET_KEY', 'looks weak (too little entropy); generate one: openssl rand -base64 48');
  }
}

export function checkOrigin(origin: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ConfigError(setting, `must be an absolute http(s) URL (got ${JSON.stringify(origin)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(setting, 'must use http: or https:');
  return url.origin;
}

function merge<T extends object>(base: T, patch: object | undefined): T {
  if (!patch) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] =
      current && typeof current === 'object' && !Array.isArray(current) && typeof value === 'object' && value !== null && !Array.isArray(value)
        ? merge(current as object, value as object)
        : value;
  }
  return out as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value))) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Defaults, merges and validates code options into a frozen AuthConfig. */
export function defineConfig(options: AuthOptions): AuthConfig {
  const environment = options.environment ?? DEFAULTS.environment;
  checkSecret(options.secretKey, environment);
  if (environment === 'production' && !options.publicOrigin) {
    throw new ConfigError('PUBLIC_URL', 'is required in production');
  }
  const publicOrigin = checkOrigin(options.publicOrigin ?? 'http://127.0.0.1:3000', 'PUBLIC_URL');
  const trustProxy = typeof options.trustProxy === 'string' ? parseTrustProxyOrThrow(options.trustProxy) : (options.trustProxy ?? DEFAULTS.trustProxy);
  const { trustProxy: _ignored, ...rest } = options;
  // In production the breach check is on (failing open: an outage of the range API does not stop sign-ups).
  const defaults = environment === 'production' ? { ...DEFAULTS, password: { ...DEFAULTS.password, breachCheck: 'fail-open' as const } } : DEFAULTS;
  const merged = merge({ ...defaults, environment, publicOrigin, forceHttps: environment === 'production', secretKey: options.secretKey }, rest);
  const config = { ...merged, publicOrigin, trustProxy } as AuthConfig;
  for (const [name, value] of [
    ['SESSION_IDLE_TIMEOUT', config.session.idleTimeoutMs],
    ['SESSION_MAX_AGE', config.session.maxAgeMs],
    ['REMEMBER_ME_MAX_AGE', config.session.rememberMeMaxAgeMs],
    ['AUTH_LOCKOUT_BASE_DELAY', config.lockout.baseDelayMs],
    ['AUTH_LOCKOUT_MAX_DELAY', config.lockout.maxDelayMs],
    ['AUTH_LOCKOUT_WINDOW', config.lockout.failureWindowMs],
    ['AUTH_LOCKOUT_KNOWN_DEVICE', config.lockout.knownDeviceMs],
    ['ACCESS_TOKEN_TTL', config.tokens.accessTtlMs],
    ['REFRESH_TOKEN_TTL', config.tokens.refreshTtlMs],
    ['REFRESH_TOKEN_IDLE', config.tokens.refreshIdleMs],
    ['FRESHNESS', config.freshnessMs],
    ['PASSWORD_BREACH_CHECK_TIMEOUT', config.password.breachCheckTimeoutMs],
    ['PASSWORD_RESET_TTL', config.password.resetTokenTtlMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(name, 'must be a positive duration');
  }
  // A route that must not check freshness says so itself: `fresh({ withinMs: -1 })`; the global default stays positive.
  if (!(config.freshnessGraceMs >= 0)) throw new ConfigError('FRESHNESS_GRACE', 'must not be negative');
  const { minLength, maxLength, minStrength } = config.password;
  if (!Number.isInteger(minLength) || minLength < 1 || minLength > 256) throw new ConfigError('PASSWORD_MIN_LENGTH', 'must be a whole number from 1 to 256');
  if (!Number.isInteger(maxLength) || maxLength < minLength || maxLength > 4096) throw new ConfigError('PASSWORD_MAX_LENGTH', 'must be a whole number from PASSWORD_MIN_LENGTH to 4096');
  if (![0, 1, 2, 3, 4].includes(minStrength)) throw new ConfigError('PASSWORD_MIN_STRENGTH', 'must be 0, 1, 2, 3 or 4');
  if (!['NFKC', 'NFC', 'none'].includes(config.password.normalization)) throw new ConfigError('PASSWORD_NORMALIZATION', 'must be NFKC, NFC or none');
  checkOrigin(config.password.breachCheckUrl, 'PASSWORD_BREACH_CHECK_URL');
  const { threads, niceness, maxQueue } = config.password.hashing;
  if (threads !== 'cores' && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new ConfigError('ARGON2_THREADS', 'must be "cores" or a whole number from 1 to 256');
  }
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) throw new ConfigError('ARGON2_NICENESS', 'must be a whole number from 0 to 19');
  if (maxQueue !== 'auto' && (!Number.isInteger(maxQueue) || maxQueue < 0 || maxQueue > 100_000)) {
    throw new ConfigError('ARGON2_MAX_QUEUE', 'must be "auto" or a whole number from 0 to 100000');
  }
  const inFlight = config.lockout.clientChecksInFlight;
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > 10_000) throw new ConfigError('AUTH_CLIENT_CHECKS_IN_FLIGHT', 'must be a whole number from 1 to 10000');
  if (!Number.isInteger(config.ipv6PrefixLength) || config.ipv6PrefixLength < 16 || config.ipv6PrefixLength > 128) {
    throw new ConfigError('AUTH_IPV6_PREFIX', 'must be a whole number from 16 to 128');
  }
  const trustedOrigins = config.csrf.trustedOrigins.map((origin) => checkOrigin(origin, 'CSRF_TRUSTED_ORIGINS'));
  Object.assign(config, { csrf: { ...config.csrf, trustedOrigins } });
  if (!TRUST_PROXY_HEADERS.includes(config.trustProxyHeader)) throw new ConfigError('TRUST_PROXY_HEADER', 'must be x-forwarded-for or forwarded');
  if (!config.basePath.startsWith('/') || config.basePath.endsWith('/')) {
    throw new ConfigError('basePath', 'must start with "/" and not end with one');
  }
  return deepFreeze(config);
}

/** TRUST_PROXY text → TrustProxy, or a ConfigError naming the variable. */
export function parseTrustProxyOrThrow(text: string): TrustProxy {
  const result = parseTrustProxy(text);
  if (typeof result === 'string') throw new ConfigError('TRUST_PROXY', result);
  return result;
}
