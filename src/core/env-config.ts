/**
 * @module The environment path into the one config schema: API.md's variable names → option paths,
 * plus reading their text (`10m`, `5/1m`, `a,b`, `true`). No bounds live here: `parseConfig`
 * judges the result exactly as it judges code, and names the variable when it refuses a value.
 */
import { parseDurationMs } from './duration.ts';
import type { AuthOptions, RateLimitRule } from './config.ts';

/** How a variable's text is read. Text of the wrong shape is passed on as it is, for the schema to refuse. */
type TextForm = 'text' | 'number' | 'boolean' | 'duration' | 'rule' | 'list' | 'switch-duration';

/** Every library variable of API.md: the option it sets and how its text reads. */
export const ENV_VARIABLES = {
  NODE_ENV: ['environment', 'text'],
  PUBLIC_URL: ['publicOrigin', 'text'],
  SECRET_KEY: ['secretKey', 'text'],
  SECRET_KEY_PREVIOUS: ['previousSecretKeys', 'list'],
  TRUST_PROXY: ['trustProxy', 'text'],
  TRUST_PROXY_HEADER: ['trustProxyHeader', 'text'],
  FORCE_HTTPS: ['forceHttps', 'boolean'],
  SESSION_IDLE_TIMEOUT: ['session.idleTimeoutMs', 'duration'],
  SESSION_MAX_AGE: ['session.maxAgeMs', 'duration'],
  REMEMBER_ME_MAX_AGE: ['session.rememberMeMaxAgeMs', 'duration'],
  SESSION_PROTECTION: ['session.protection', 'text'],
  SESSION_SAMESITE: ['session.sameSite', 'text'],
  FRESHNESS: ['freshnessMs', 'duration'],
  FRESHNESS_GRACE: ['freshnessGraceMs', 'duration'],
  BOOTSTRAP_ADMIN_EMAIL: ['bootstrapAdminEmail', 'text'],
  PASSWORD_MIN_LENGTH: ['password.minLength', 'number'],
  PASSWORD_MAX_LENGTH: ['password.maxLength', 'number'],
  PASSWORD_NORMALIZATION: ['password.normalization', 'text'],
  PASSWORD_MIN_STRENGTH: ['password.minStrength', 'number'],
  PASSWORD_BREACH_CHECK: ['password.breachCheck', 'text'],
  PASSWORD_BREACH_CHECK_URL: ['password.breachCheckUrl', 'text'],
  PASSWORD_BREACH_CHECK_TIMEOUT: ['password.breachCheckTimeoutMs', 'duration'],
  ARGON2_MEMORY_KIB: ['password.argon2.memoryCost', 'number'],
  ARGON2_TIME_COST: ['password.argon2.timeCost', 'number'],
  ARGON2_PARALLELISM: ['password.argon2.parallelism', 'number'],
  ARGON2_THREADS: ['password.hashing.threads', 'number'],
  ARGON2_NICENESS: ['password.hashing.niceness', 'number'],
  ARGON2_MAX_QUEUE: ['password.hashing.maxQueue', 'number'],
  PASSWORD_RESET_TTL: ['password.resetTokenTtlMs', 'duration'],
  MAIL_FROM: ['mailFrom', 'text'],
  AUTH_RATE_LIMIT_LOGIN: ['rateLimits.login', 'rule'],
  AUTH_RATE_LIMIT_REGISTER: ['rateLimits.register', 'rule'],
  AUTH_RATE_LIMIT_RESET: ['rateLimits.reset', 'rule'],
  AUTH_RATE_LIMIT_REFRESH: ['rateLimits.refresh', 'rule'],
  AUTH_LOCKOUT_THRESHOLD: ['lockout.threshold', 'number'],
  AUTH_LOCKOUT_BASE_DELAY: ['lockout.baseDelayMs', 'duration'],
  AUTH_LOCKOUT_MAX_DELAY: ['lockout.maxDelayMs', 'duration'],
  AUTH_LOCKOUT_WINDOW: ['lockout.failureWindowMs', 'duration'],
  AUTH_LOCKOUT_KNOWN_DEVICE: ['lockout.knownDeviceMs', 'duration'],
  AUTH_IP_FAILURE_BUDGET: ['lockout.ipFailureBudget', 'rule'],
  AUTH_CLIENT_CHECKS_IN_FLIGHT: ['lockout.clientChecksInFlight', 'number'],
  AUTH_IPV6_PREFIX: ['ipv6PrefixLength', 'number'],
  CSRF_MECHANISMS: ['csrf.mechanisms', 'list'],
  CSRF_TRUSTED_ORIGINS: ['csrf.trustedOrigins', 'list'],
  CSRF_XSRF_COOKIE: ['csrf.xsrfCookie', 'boolean'],
  ACCESS_TOKEN_TTL: ['tokens.accessTtlMs', 'duration'],
  REFRESH_TOKEN_TTL: ['tokens.refreshTtlMs', 'duration'],
  REFRESH_TOKEN_IDLE: ['tokens.refreshIdleMs', 'duration'],
  TOKEN_STATE_CACHE_TTL: ['tokens.stateCacheTtlMs', 'duration'],
  EMAIL_CONFIRMATION: ['identity.confirmation', 'text'],
  CONFIRM_TTL: ['identity.confirmTtlMs', 'duration'],
  GENERIC_RESPONSES: ['identity.genericResponses', 'boolean'],
  MAIL_RECIPIENT_BUDGET: ['identity.mailRecipientBudget', 'rule'],
  CHANGE_EMAIL_TTL: ['identity.changeEmailTtlMs', 'duration'],
  EMAIL_SIGNIN: ['identity.emailSignIn', 'boolean'],
  NOTIFY_NEW_DEVICE: ['identity.notifyNewDevice', 'boolean'],
  OAUTH_AUTOLINK: ['oauth.autolink', 'text'],
  OAUTH_FLOW_TTL: ['oauth.flowTtlMs', 'duration'],
  MFA_ISSUER: ['mfa.issuer', 'text'],
  MFA_REQUIRED_ROLES: ['mfa.requiredRoles', 'list'],
  MFA_PENDING_TTL: ['mfa.pendingTtlMs', 'duration'],
  MFA_ATTEMPTS_PER_SIGNIN: ['mfa.attemptsPerSignIn', 'number'],
  MFA_ATTEMPT_BUDGET: ['mfa.attemptBudget', 'rule'],
  MFA_REMEMBER_DEVICE: ['mfa.rememberDeviceMs', 'switch-duration'],
} as const satisfies Record<string, readonly [string, TextForm]>;

export type EnvVariable = keyof typeof ENV_VARIABLES;

const VARIABLE_OF_PATH: ReadonlyMap<string, EnvVariable> = new Map(
  Object.entries(ENV_VARIABLES).map(([variable, [path]]) => [path, variable as EnvVariable]),
);

/** A provider's settings: `OAUTH_<NAME>_CLIENT_ID` … (the names come from OAUTH_PROVIDERS). */
const PROVIDER_SETTINGS = { clientId: 'CLIENT_ID', clientSecret: 'CLIENT_SECRET', issuer: 'ISSUER', scopes: 'SCOPES', responseMode: 'RESPONSE_MODE' } as const;
const PROVIDER_PATH = /^oauth\.providers\.([a-z][a-z0-9]*)(?:\.(clientId|clientSecret|issuer|scopes|responseMode))?(?:\.\d+)?$/;

/** The variable that sets an option path or one of its parents (`rateLimits.login.count` → AUTH_RATE_LIMIT_LOGIN). */
export function variableOfOption(path: string): string | undefined {
  const provider = PROVIDER_PATH.exec(path);
  if (provider) {
    const [, name = '', setting] = provider;
    return setting ? `OAUTH_${name.toUpperCase()}_${PROVIDER_SETTINGS[setting as keyof typeof PROVIDER_SETTINGS]}` : 'OAUTH_PROVIDERS';
  }
  if (path === 'oauth.providers') return 'OAUTH_PROVIDERS';
  for (let at = path; at !== ''; at = at.slice(0, Math.max(0, at.lastIndexOf('.')))) {
    const variable = VARIABLE_OF_PATH.get(at);
    if (variable) return variable;
  }
  return undefined;
}

/** `1`, `true`, `yes`, `on` / `0`, `false`, `no`, `off`, any case. */
export function readBooleanText(text: string): boolean | string {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return text;
}

/** A decimal number (`8`, `-5`, `1.5`: the schema says whether it may be one); anything else stays text. */
export function readNumberText(text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

/** `COUNT/WINDOW`, e.g. `5/1m`. */
function readRuleText(text: string): RateLimitRule | string {
  const match = /^(-?\d+)\/(.+)$/.exec(text.trim());
  const windowMs = match ? parseDurationMs(match[2] ?? '') : undefined;
  return match && windowMs !== undefined ? { count: Number(match[1]), windowMs } : text;
}

/** The default lifetime of a remembered device when MFA_REMEMBER_DEVICE is just `on`. */
export const REMEMBER_DEVICE_DEFAULT_MS = 30 * 86_400_000;

/** `off` (or false, 0, no) → null; `on` (or true, yes, 1) → 30 days; a duration (`14d`) → its milliseconds. */
function readSwitchDurationText(text: string): number | null | string {
  const flag = readBooleanText(text);
  if (flag === false) return null;
  if (flag === true) return REMEMBER_DEVICE_DEFAULT_MS;
  return parseDurationMs(text) ?? text;
}

const READ_TEXT: Record<TextForm, (text: string) => unknown> = {
  text: (text) => text,
  number: readNumberText,
  boolean: readBooleanText,
  duration: (text) => parseDurationMs(text) ?? text,
  rule: readRuleText,
  list: (text) => text.split(',').map((item) => item.trim()).filter(Boolean),
  'switch-duration': readSwitchDurationText,
};

/** What the environment gives `createAuth` / `parseConfig`: any subset of the options, the secret included when set. */
export type EnvOptions = Omit<AuthOptions, 'secretKey'> & { secretKey?: string };

/**
 * Maps API.md's variables onto options; empty and unknown variables are ignored. Never throws:
 * a value whose text has the wrong shape is passed on as text, and `parseConfig` refuses it,
 * naming the option and the variable.
 */
export function readEnvOptions(env: Readonly<Record<string, string | undefined>>): EnvOptions {
  const options: Record<string, unknown> = {};
  for (const [variable, [path, form]] of Object.entries(ENV_VARIABLES)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = options;
    for (const key of keys) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[last] = READ_TEXT[form](text);
  }
  const providers = readProviderVariables(env);
  if (providers) options.oauth = { ...(options.oauth as object | undefined), providers };
  return options as EnvOptions;
}

/**
 * OAUTH_PROVIDERS=github,corp and each one's OAUTH_<NAME>_CLIENT_ID, _CLIENT_SECRET, _ISSUER, _SCOPES,
 * _RESPONSE_MODE
 * (space- or comma-separated). A name is passed on as written, for the schema to judge.
 */
function readProviderVariables(env: Readonly<Record<string, string | undefined>>): Record<string, Record<string, unknown>> | undefined {
  const names = env.OAUTH_PROVIDERS?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!names || names.length === 0) return undefined;
  const providers: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const provider: Record<string, unknown> = {};
    for (const [option, suffix] of Object.entries(PROVIDER_SETTINGS)) {
      const text = env[`OAUTH_${name.toUpperCase()}_${suffix}`];
      if (text === undefined || text === '') continue;
      provider[option] = option === 'scopes' ? text.split(/[\s,]+/).filter(Boolean) : text;
    }
    providers[name] = provider;
  }
  return providers;
}
