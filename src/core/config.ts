/**
 * @module Typed configuration: parsed once (from code options or environment variables),
 * validated, defaulted and frozen. Nothing else in the tree reads `process.env`.
 */
import { z } from 'zod';
import { parseDurationMs } from './duration.ts';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts';

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
  readonly password: { readonly minLength: number; readonly maxLength: number };
  readonly rateLimits: {
    readonly login: RateLimitRule;
    readonly register: RateLimitRule;
    readonly reset: RateLimitRule;
    readonly refresh: RateLimitRule;
  };
  readonly lockout: { readonly threshold: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly tokens: { readonly accessTtlMs: number; readonly refreshTtlMs: number; readonly refreshIdleMs: number };
  /** Pages the auth routes redirect browsers to. */
  readonly pages: {
    readonly login: string;
    readonly verify: string;
    readonly afterLogin: string;
    readonly afterLogout: string;
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
  password: { minLength: 8, maxLength: 256 },
  rateLimits: {
    login: { count: 5, windowMs: 60_000 },
    register: { count: 3, windowMs: 3_600_000 },
    reset: { count: 3, windowMs: 3_600_000 },
    refresh: { count: 10, windowMs: 60_000 },
  },
  lockout: { threshold: 3, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 },
  tokens: { accessTtlMs: 15 * 60_000, refreshTtlMs: 90 * 86_400_000, refreshIdleMs: 7 * 86_400_000 },
  pages: { login: '/login', verify: '/verify', afterLogin: '/', afterLogout: '/' },
};

/** Rough entropy estimate: length × Shannon entropy per character, in bits. */
export function estimateSecretBits(secret: string): number {
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

function checkOrigin(origin: string, setting: string): string {
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
  const merged = merge({ ...DEFAULTS, environment, publicOrigin, forceHttps: environment === 'production', secretKey: options.secretKey }, rest);
  const config = { ...merged, publicOrigin, trustProxy } as AuthConfig;
  for (const [name, value] of [
    ['SESSION_IDLE_TIMEOUT', config.session.idleTimeoutMs],
    ['SESSION_MAX_AGE', config.session.maxAgeMs],
    ['REMEMBER_ME_MAX_AGE', config.session.rememberMeMaxAgeMs],
    ['AUTH_LOCKOUT_BASE_DELAY', config.lockout.baseDelayMs],
    ['AUTH_LOCKOUT_MAX_DELAY', config.lockout.maxDelayMs],
    ['ACCESS_TOKEN_TTL', config.tokens.accessTtlMs],
    ['REFRESH_TOKEN_TTL', config.tokens.refreshTtlMs],
    ['REFRESH_TOKEN_IDLE', config.tokens.refreshIdleMs],
    ['FRESHNESS', config.freshnessMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(name, 'must be a positive duration');
  }
  // A route that must not check freshness says so itself: `fresh({ withinMs: -1 })`; the global default stays positive.
  if (!(config.freshnessGraceMs >= 0)) throw new ConfigError('FRESHNESS_GRACE', 'must not be negative');
  if (!config.basePath.startsWith('/') || config.basePath.endsWith('/')) {
    throw new ConfigError('basePath', 'must start with "/" and not end with one');
  }
  return deepFreeze(config);
}

// ---------------------------------------------------------------------------
// Environment variables (API.md's table)

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

const positiveInt = (name: string, max = 1_000_000) =>
  z.string().transform((text, ctx) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < 1 || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return n;
  });

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
  FORCE_HTTPS: bool('FORCE_HTTPS').optional(),
  AUTH_RATE_LIMIT_LOGIN: rateRule('AUTH_RATE_LIMIT_LOGIN').optional(),
  AUTH_RATE_LIMIT_REGISTER: rateRule('AUTH_RATE_LIMIT_REGISTER').optional(),
  AUTH_RATE_LIMIT_RESET: rateRule('AUTH_RATE_LIMIT_RESET').optional(),
  AUTH_RATE_LIMIT_REFRESH: rateRule('AUTH_RATE_LIMIT_REFRESH').optional(),
  AUTH_LOCKOUT_THRESHOLD: positiveInt('AUTH_LOCKOUT_THRESHOLD', 1000).optional(),
  AUTH_LOCKOUT_BASE_DELAY: duration('AUTH_LOCKOUT_BASE_DELAY').optional(),
  AUTH_LOCKOUT_MAX_DELAY: duration('AUTH_LOCKOUT_MAX_DELAY').optional(),
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
    },
    auth: {
      environment,
      secretKey: e.SECRET_KEY,
      publicOrigin: e.PUBLIC_URL !== undefined ? checkOrigin(e.PUBLIC_URL, 'PUBLIC_URL') : environment === 'production' ? undefined : `http://${urlHost}:${port}`,
      trustProxy: e.TRUST_PROXY !== undefined ? parseTrustProxyOrThrow(e.TRUST_PROXY) : undefined,
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
      lockout: { threshold: e.AUTH_LOCKOUT_THRESHOLD, baseDelayMs: e.AUTH_LOCKOUT_BASE_DELAY, maxDelayMs: e.AUTH_LOCKOUT_MAX_DELAY },
      tokens: { accessTtlMs: e.ACCESS_TOKEN_TTL, refreshTtlMs: e.REFRESH_TOKEN_TTL, refreshIdleMs: e.REFRESH_TOKEN_IDLE },
    },
  };
}

function parseTrustProxyOrThrow(text: string): TrustProxy {
  const result = parseTrustProxy(text);
  if (typeof result === 'string') throw new ConfigError('TRUST_PROXY', result);
  return result;
}
