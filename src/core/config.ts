/**
 * @module The one config schema: `parseConfig` takes code options (or the environment's, mapped by
 * env-config.ts), merges the defaults, validates every option once — the same bounds whichever way
 * a value came — and deep-freezes the result. A refusal names the option path and its variable.
 * (Past 400 lines: the AuthConfig type, documented field by field, its defaults and its schema read
 * best side by side.)
 */
import { deflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { formatDurationMs } from './duration.ts';
import { variableOfOption } from './env-config.ts';
import { parseTrustProxy, TRUST_PROXY_HEADERS, type TrustProxy, type TrustProxyHeader } from './trust-proxy.ts';
import { OAUTH_PROVIDER_NAME, isAcceptableIssuer, presetOf, responseModeFor, type OAuthProvider, type OAuthProviderOptions } from './oauth-presets.ts';

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
  /**
   * Earlier SECRET_KEYs, newest first (SECRET_KEY_PREVIOUS): they only open what they sealed (second-factor
   * secrets), which is re-sealed under SECRET_KEY at its next use. Nothing is ever signed with them.
   */
  readonly previousSecretKeys: readonly string[];
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
  /** Verified identity (docs/identity.md). */
  readonly identity: {
    /** `required`: no sign-in until the address is confirmed; `optional`: signed in, with a banner; `off`: no confirmation mail. */
    readonly confirmation: EmailConfirmation;
    /** Lifetime of a confirmation link. */
    readonly confirmTtlMs: number;
    /**
     * Registration answers the same for a new address, a taken address and a taken username (the
     * owner is told by mail). Default: on exactly when confirmation is `required` (only then can a
     * new account's answer be the same as a taken one's: nobody is signed in).
     */
    readonly genericResponses: boolean;
    /** Mails a stranger can trigger (confirmation, resend, existing-owner notice, reset), per recipient. */
    readonly mailRecipientBudget: RateLimitRule;
    /** Lifetime of a change-of-e-mail link. */
    readonly changeEmailTtlMs: number;
    /** Confirming the address also signs the browser in. */
    readonly signInOnConfirm: boolean;
    /** Sign-in by a mailed code or link (`POST /auth/email-signin`); off: those routes answer 404. */
    readonly emailSignIn: boolean;
    /** A sign-in from a device not seen within `lockout.knownDeviceMs` mails the account (once per device per window). */
    readonly notifyNewDevice: boolean;
  };
  /** Multi-factor sign-in (docs/mfa.md). */
  readonly mfa: {
    /** Shown in authenticator apps beside the account. */
    readonly issuer: string;
    /** Users holding any of these roles must enrol a second factor before any guarded route (403 MFA_ENROLLMENT_REQUIRED). */
    readonly requiredRoles: readonly string[];
    /** How long a pending sign-in (first factor right, second due) lives. */
    readonly pendingTtlMs: number;
    /** Codes one pending sign-in may try before it dies. */
    readonly attemptsPerSignIn: number;
    /** Failed second-factor codes one account may have per window (separate from the password budget). */
    readonly attemptBudget: RateLimitRule;
    /**
     * MFA_REMEMBER_DEVICE: how long a browser that proved a second factor (and asked) may skip it at
     * later sign-ins of the same user; null (default): never. The environment's `on` means 30 days.
     */
    readonly rememberDeviceMs: number | null;
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
    /** The page the confirmation e-mail links to (`?token=…`). */
    readonly confirm: string;
    /** The page the change-of-e-mail link opens (`?token=…`). */
    readonly confirmEmailChange: string;
    /** Where a browser enters its second factor after a correct password. */
    readonly secondFactor: string;
    /** Where a browser enrols (and manages) its second factors. */
    readonly mfaSetup: string;
  };
  /** Social sign-in (docs/social-login.md). */
  readonly oauth: OAuthConfig;
}

export type OAuthAutolink = 'off' | 'verified';

export interface OAuthConfig {
  /** The configured providers, presets filled in, in the order their buttons show. */
  readonly providers: readonly OAuthProvider[];
  /**
   * `off`: an e-mail an account holds is never linked at sign-in (the user signs in and links from
   * the account page). `verified`: linked when the provider says `email_verified: true` and the
   * account's own address is verified too — a trade-off: it trusts the provider's verification.
   */
  readonly autolink: OAuthAutolink;
  /** How long a sign-in started here may take at the provider (the flow cookie's life). */
  readonly flowTtlMs: number;
}

export type EmailConfirmation = 'required' | 'optional' | 'off';

type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
type ResolvedLater = 'genericResponses';
/** What code passes to `createAuth`: any subset; the rest is defaulted. */
export type AuthOptions = Omit<DeepPartial<AuthConfig>, 'trustProxy' | 'oauth'> & {
  secretKey: string;
  /** A parsed TrustProxy, or the TRUST_PROXY syntax: `false`, `loopback`, a hop count, CIDRs. */
  trustProxy?: TrustProxy | string;
  /** Providers by name (`github`, `google`, … fill themselves from a preset; any other name is a generic OIDC provider and needs `issuer`). */
  oauth?: { providers?: Readonly<Record<string, OAuthProviderOptions>>; autolink?: OAuthAutolink; flowTtlMs?: number };
};

/**
 * Thrown when configuration is invalid: one line naming the option path and, when it has one,
 * its environment variable — `lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be …`.
 */
export class ConfigError extends Error {
  /** The option path (`lockout.threshold`), or null for a setting only the reference server reads. */
  readonly path: string | null;
  /** The environment variable (`AUTH_LOCKOUT_THRESHOLD`), or null for an option set only in code. */
  readonly variable: string | null;
  /** What to change: the variable when there is one, else the option path. */
  readonly setting: string;

  constructor(where: { readonly path?: string; readonly variable?: string }, readonly detail: string) {
    const path = where.path ?? null;
    const variable = where.variable ?? null;
    const setting = variable ?? path ?? 'configuration';
    super(`Invalid configuration: ${path !== null && variable !== null ? `${path} (${variable})` : setting} ${detail}`);
    this.name = 'ConfigError';
    this.path = path;
    this.variable = variable;
    this.setting = setting;
  }
}

const MIN_SECRET_BYTES = 32;
const MAX_DURATION_MS = 3650 * 86_400_000;
const MAX_COUNT = 1_000_000_000;

function defaultsFor(
  environment: Environment,
): Omit<AuthConfig, 'secretKey' | 'publicOrigin' | 'trustProxy' | 'identity' | 'oauth'> & {
  publicOrigin?: string;
  trustProxy: string;
  identity: Omit<AuthConfig['identity'], ResolvedLater> & { genericResponses: boolean | null };
  oauth: { providers: object; autolink: OAuthAutolink; flowTtlMs: number };
} {
  const production = environment === 'production';
  return {
    environment,
    // Production has no default origin: PUBLIC_URL is required there.
    ...(production ? {} : { publicOrigin: 'http://127.0.0.1:3000' }),
    previousSecretKeys: [],
    trustProxy: 'false',
    trustProxyHeader: 'x-forwarded-for',
    forceHttps: production,
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
      // In production the breach check is on, failing open: an outage of the range API does not stop sign-ups.
      breachCheck: production ? 'fail-open' : 'off',
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
    identity: {
      confirmation: 'required',
      confirmTtlMs: 24 * 3_600_000,
      // null: follows confirmation (on when it is required).
      genericResponses: null,
      mailRecipientBudget: { count: 3, windowMs: 3_600_000 },
      changeEmailTtlMs: 3_600_000,
      signInOnConfirm: true,
      emailSignIn: false,
      notifyNewDevice: false,
    },
    oauth: { providers: {}, autolink: 'off', flowTtlMs: 10 * 60_000 },
    mfa: {
      issuer: 'Portcullis',
      requiredRoles: [],
      pendingTtlMs: 5 * 60_000,
      attemptsPerSignIn: 5,
      attemptBudget: { count: 10, windowMs: 15 * 60_000 },
      rememberDeviceMs: null,
    },
    pages: {
      login: '/login',
      verify: '/verify',
      afterLogin: '/',
      afterLogout: '/',
      forgotPassword: '/forgot-password',
      resetPassword: '/reset-password',
      confirm: '/confirm',
      confirmEmailChange: '/confirm-email-change',
      secondFactor: '/login/second-factor',
      mfaSetup: '/account/security',
    },
  };
}

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

// The leaves of the schema. Each gives one message whichever check fails, so that a value refused
// from code and the same value refused from the environment read alike.

const wholeNumber = (min: number, max: number, error = `must be a whole number from ${min} to ${max}`) =>
  z.number({ error }).int({ error }).min(min, { error }).max(max, { error });

/** Whole milliseconds; text that is no duration (only the environment can give text) is told the format. */
const duration = (min = 1, max = MAX_DURATION_MS) => {
  const range = `must be a duration from ${formatDurationMs(min)} to ${formatDurationMs(max)}`;
  return z
    .number({ error: (issue) => (typeof issue.input === 'string' ? 'must be a duration like 500ms, 30s, 10m, 2h or 30d' : range) })
    .int({ error: range })
    .min(min, { error: range })
    .max(max, { error: range });
};

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}` });

const bool = () => z.boolean({ error: 'must be true or false' });

const rule = () =>
  z.strictObject({ count: wholeNumber(1, MAX_COUNT), windowMs: duration() }, { error: 'must be COUNT/WINDOW, e.g. 5/1m (in code: { count, windowMs })' });

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

const HTTP_URL = 'must be an absolute http(s) URL';
const httpUrl = (whenMissing = HTTP_URL) => z.string({ error: (issue) => (issue.input === undefined ? whenMissing : HTTP_URL) }).refine(isHttpUrl, { error: HTTP_URL });
/** An http(s) URL, kept as its origin. */
const origin = (whenMissing?: string) => httpUrl(whenMissing).transform((text) => new URL(text).origin);

/** A page on this site: a path, never another origin (`//evil.example`). */
const pagePath = () =>
  z.string({ error: 'must be a path starting with "/"' }).refine((path) => /^\/(?![/\\])/.test(path) && path.length <= 2048, { error: 'must be a path starting with "/"' });

const text = (min: number, max: number, error = `must be text of ${min} to ${max} characters`) => z.string({ error }).min(min, { error }).max(max, { error });

const secretKey = (environment: Environment) =>
  z
    .string({ error: 'is required (generate one: openssl rand -base64 48)' })
    .min(1, { error: 'is required (generate one: openssl rand -base64 48)' })
    .superRefine((secret, ctx) => {
      if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${MIN_SECRET_BYTES} bytes (generate one: openssl rand -base64 48)` });
      } else if (environment === 'production' && (estimateSecretBits(secret) < 128 || /^(.{1,32}?)\1+$/s.test(secret))) {
        ctx.addIssue({ code: 'custom', message: 'looks weak (too little entropy); generate one: openssl rand -base64 48' });
      }
    });

const TRUST_PROXY_SYNTAX = 'must be false, loopback, a hop count, or a comma list of CIDRs';
const isTrustProxy = (value: unknown): value is TrustProxy => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'none' || kind === 'hops' || kind === 'cidrs';
};
const trustProxy = () =>
  z.custom<TrustProxy | string>((value) => typeof value === 'string' || isTrustProxy(value), { error: TRUST_PROXY_SYNTAX }).transform((value, ctx) => {
    if (typeof value !== 'string') return value;
    const parsed = parseTrustProxy(value);
    if (typeof parsed !== 'string') return parsed;
    // The message names the bad entry itself: no input, so no "(got …)" after it.
    ctx.issues.push({ code: 'custom', message: parsed, input: undefined });
    return z.NEVER;
  });

const ISSUER_RULE = 'must be an https URL (http only on a loopback host), without query or fragment';
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

const oauthProvider = () =>
  z.strictObject(
    {
      clientId: text(1, 512),
      clientSecret: text(1, 4096).nullable().optional(),
      issuer: z.string({ error: ISSUER_RULE }).refine(isAcceptableIssuer, { error: ISSUER_RULE }).nullable().optional(),
      scopes: z
        .array(z.string().regex(SCOPE), { error: 'must be a list of OAuth scopes' })
        .min(1, { error: 'must be a list of OAuth scopes' })
        .max(32, { error: 'must be a list of OAuth scopes' })
        .nullable()
        .optional(),
      label: text(1, 64).nullable().optional(),
      responseMode: oneOf(['query', 'form_post']).nullable().optional(),
    },
    { error: 'must be { clientId, clientSecret?, issuer?, scopes?, label?, responseMode? }' },
  );

/** Providers by name → the list, presets filled in; a name no preset has is generic OIDC and needs its issuer. */
const oauthProviders = () =>
  z.record(z.string(), oauthProvider(), { error: 'must map provider names to { clientId, … }' }).transform((given, ctx): OAuthProvider[] => {
    const providers: OAuthProvider[] = [];
    for (const [name, options] of Object.entries(given)) {
      if (!OAUTH_PROVIDER_NAME.test(name)) {
        ctx.issues.push({ code: 'custom', path: [name], message: 'is not a provider name (lower-case letters and digits, starting with a letter)', input: undefined });
        return z.NEVER;
      }
      const preset = presetOf(name);
      const issuer = options.issuer ?? preset?.issuer ?? null;
      if (issuer === null) {
        const hint = preset?.issuerHint ? ` (${preset.issuerHint})` : ' (a generic OpenID Connect provider)';
        ctx.issues.push({ code: 'custom', path: [name, 'issuer'], message: `is required${hint}`, input: undefined });
        return z.NEVER;
      }
      const protocol = preset?.protocol ?? 'oidc';
      const scopes = options.scopes ?? preset?.scopes ?? ['openid', 'email', 'profile'];
      const responseMode = responseModeFor(preset, scopes, options.responseMode);
      if (responseMode === 'form_post' && protocol !== 'oidc') {
        ctx.issues.push({ code: 'custom', path: [name, 'responseMode'], message: 'can be form_post only for an OpenID Connect provider', input: undefined });
        return z.NEVER;
      }
      providers.push({ name, label: options.label ?? preset?.label ?? name, protocol, clientId: options.clientId, clientSecret: options.clientSecret ?? null, issuer, scopes, responseMode });
    }
    return providers;
  });

const MAX_LENGTH_RULE = 'must be a whole number from password.minLength (PASSWORD_MIN_LENGTH) to 4096';

function schemaFor(environment: Environment) {
  return z.strictObject({
    environment: oneOf(['development', 'production', 'test']),
    secretKey: secretKey(environment),
    previousSecretKeys: z.array(text(32, 4096, 'must each be at least 32 bytes'), { error: 'must be a list of earlier secret keys' }).max(8, { error: 'must list at most 8 keys' }),
    // Missing only in production, which has no default.
    publicOrigin: origin('is required in production'),
    trustProxy: trustProxy(),
    // Header names are case-insensitive: `X-Forwarded-For` is accepted as written.
    trustProxyHeader: z
      .string({ error: 'must be x-forwarded-for or forwarded' })
      .transform((text) => text.trim().toLowerCase())
      .pipe(z.enum(TRUST_PROXY_HEADERS as [TrustProxyHeader, ...TrustProxyHeader[]], { error: 'must be x-forwarded-for or forwarded' })),
    forceHttps: bool(),
    basePath: z.string({ error: 'must start with "/" and not end with one' }).refine((path) => /^(\/[^/?#\s]+)+$/.test(path), { error: 'must start with "/" and not end with one' }),
    bodyLimitBytes: wholeNumber(1024, 100 * 1024 * 1024, 'must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB)'),
    session: z.strictObject({
      idleTimeoutMs: duration(),
      maxAgeMs: duration(),
      rememberMeMaxAgeMs: duration(),
      protection: oneOf(['off', 'basic', 'strong']),
      sameSite: oneOf(['Strict', 'Lax']),
      touchIntervalMs: duration(0),
    }),
    freshnessMs: duration(),
    // A route that must not check freshness says so itself: `fresh({ withinMs: -1 })`; the global default stays positive.
    freshnessGraceMs: duration(0),
    bootstrapAdminEmail: z
      .string({ error: 'must be an e-mail address' })
      .refine((email) => email.includes('@') && email.length <= 320, { error: 'must be an e-mail address' })
      .nullable(),
    password: z
      .strictObject({
        minLength: wholeNumber(1, 256),
        maxLength: wholeNumber(1, 4096, MAX_LENGTH_RULE),
        normalization: oneOf(['NFKC', 'NFC', 'none']),
        minStrength: z.literal([0, 1, 2, 3, 4], { error: 'must be 0, 1, 2, 3 or 4' }),
        breachCheck: oneOf(['off', 'fail-open', 'fail-closed']),
        breachCheckUrl: httpUrl(),
        // An AbortSignal timeout: past a minute, a sign-up would wait on the range API longer than any browser.
        breachCheckTimeoutMs: duration(1, 60_000),
        argon2: z.strictObject({ memoryCost: wholeNumber(8, 4_194_304), timeCost: wholeNumber(1, 100), parallelism: wholeNumber(1, 64) }),
        hashing: z.strictObject({
          threads: z.union([z.literal('cores'), wholeNumber(1, 256, 'must be "cores" or a whole number from 1 to 256')], { error: 'must be "cores" or a whole number from 1 to 256' }),
          niceness: wholeNumber(0, 19),
          maxQueue: z.union([z.literal('auto'), wholeNumber(0, 100_000, 'must be "auto" or a whole number from 0 to 100000')], { error: 'must be "auto" or a whole number from 0 to 100000' }),
        }),
        resetTokenTtlMs: duration(),
      })
      .superRefine((password, ctx) => {
        if (password.maxLength < password.minLength) ctx.addIssue({ code: 'custom', path: ['maxLength'], message: MAX_LENGTH_RULE, input: password.maxLength });
      }),
    mailFrom: text(3, 320),
    rateLimits: z.strictObject({ login: rule(), register: rule(), reset: rule(), refresh: rule() }),
    lockout: z.strictObject({
      threshold: wholeNumber(1, 1_000_000),
      baseDelayMs: duration(),
      maxDelayMs: duration(),
      failureWindowMs: duration(),
      knownDeviceMs: duration(),
      ipFailureBudget: rule(),
      clientChecksInFlight: wholeNumber(1, 10_000),
    }),
    ipv6PrefixLength: wholeNumber(16, 128),
    csrf: z.strictObject({
      mechanisms: z.array(oneOf(['session', 'basic']), { error: 'must list only session and basic' }),
      trustedOrigins: z.array(origin(), { error: 'must be a list of http(s) origins' }),
      xsrfCookie: bool(),
    }),
    tokens: z.strictObject({
      accessTtlMs: duration(),
      refreshTtlMs: duration(),
      refreshIdleMs: duration(),
      // 0: no cache, every bearer request reads the user's state.
      stateCacheTtlMs: duration(0),
      issuer: text(1, 2048).nullable(),
      audience: text(1, 2048).nullable(),
    }),
    identity: z.strictObject({
      confirmation: oneOf(['required', 'optional', 'off']),
      confirmTtlMs: duration(60_000),
      genericResponses: bool().nullable(),
      mailRecipientBudget: rule(),
      changeEmailTtlMs: duration(60_000),
      signInOnConfirm: bool(),
      emailSignIn: bool(),
      notifyNewDevice: bool(),
    }),
    mfa: z.strictObject({
      issuer: text(1, 64),
      requiredRoles: z.array(text(1, 64), { error: 'must be a list of role names' }),
      pendingTtlMs: duration(10_000, 3_600_000),
      attemptsPerSignIn: wholeNumber(1, 20),
      attemptBudget: rule(),
      rememberDeviceMs: duration(60_000, 400 * 86_400_000).nullable(),
    }),
    pages: z.strictObject({
      secondFactor: pagePath(),
      mfaSetup: pagePath(),
      login: pagePath(),
      verify: pagePath(),
      afterLogin: pagePath(),
      afterLogout: pagePath(),
      forgotPassword: pagePath(),
      resetPassword: pagePath(),
      confirm: pagePath(),
      confirmEmailChange: pagePath(),
    }),
    oauth: z.strictObject({
      providers: oauthProviders(),
      autolink: oneOf(['off', 'verified']),
      flowTtlMs: duration(60_000, 3_600_000),
    }),
  });
}

type ConfigSchema = ReturnType<typeof schemaFor>;
const SCHEMAS = new Map<Environment, ConfigSchema>();
const ENVIRONMENT = oneOf(['development', 'production', 'test']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Options over defaults, key by key into plain objects; `undefined` leaves the default. */
function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) && key !== 'trustProxy' ? merge(current, value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function describeInput(path: string, input: unknown): string {
  if (path === 'secretKey' || path.startsWith('previousSecretKeys') || path.endsWith('.clientSecret') || input === undefined) return '';
  if (typeof input === 'number') return ` (got ${path.endsWith('Ms') && Number.isSafeInteger(input) ? formatDurationMs(input) : input})`;
  if (typeof input === 'string') return ` (got ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)})`;
  if (typeof input === 'boolean' || input === null) return ` (got ${input})`;
  return '';
}

/** The first issue as one line: `lockout.threshold (AUTH_LOCKOUT_THRESHOLD) must be … (got 0)`. */
function configErrorOf(issue: z.core.$ZodIssue): ConfigError {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const path = [...segments, issue.keys[0] ?? ''].join('.');
    return new ConfigError({ path }, 'is not an option');
  }
  const path = segments.join('.');
  const variable = variableOfOption(path);
  const shown = path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  const got = describeInput(path, issue.input);
  return new ConfigError({ path: shown || 'options', ...(variable ? { variable } : {}) }, `${issue.message}${got}`);
}

/**
 * Validates options (from code, or the environment's through `readEnvOptions`) once: defaults
 * merged — some depend on `environment` — every bound checked, the result deep-frozen.
 * Throws a ConfigError naming the option path and its variable.
 */
export function parseConfig(options: AuthOptions): AuthConfig {
  const given: Record<string, unknown> = isPlainObject(options) ? options : {};
  const environmentResult = ENVIRONMENT.safeParse(given.environment ?? 'development', { reportInput: true });
  if (!environmentResult.success) throw configErrorOf({ ...(environmentResult.error.issues[0] as z.core.$ZodIssue), path: ['environment'] });
  const environment = environmentResult.data;
  const schema = SCHEMAS.get(environment) ?? schemaFor(environment);
  SCHEMAS.set(environment, schema);
  const result = schema.safeParse(merge(defaultsFor(environment), given), { reportInput: true });
  if (!result.success) throw configErrorOf(result.error.issues[0] as z.core.$ZodIssue);
  const { identity } = result.data;
  // A generic answer is only possible when a new account is not signed in at once.
  if (identity.genericResponses === true && identity.confirmation !== 'required') {
    throw new ConfigError(
      { path: 'identity.genericResponses', variable: 'GENERIC_RESPONSES' },
      'needs identity.confirmation (EMAIL_CONFIRMATION) required: a new account signed in at once cannot answer like a taken address',
    );
  }
  const config: AuthConfig = { ...result.data, identity: { ...identity, genericResponses: identity.genericResponses ?? identity.confirmation === 'required' } };
  return deepFreeze(config);
}

/** @deprecated The earlier name of `parseConfig`; kept one release for callers that used it. */
export const defineConfig = parseConfig;
