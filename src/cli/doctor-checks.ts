/**
 * @module `portcullis doctor`'s checks: the effective configuration, read from the environment
 * exactly as `npm start` reads it (readAppConfig + parseConfig), judged for a deployment — like
 * Django's `manage.py check --deploy`, for auth. Pure: an environment in, findings out.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError, formatDurationMs, parseConfig, type AuthConfig } from '../index.ts';
import { readAppConfig, type AppConfig } from '../app/settings.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable, kebab-case: scripts may match on it. */
  readonly id: string;
  readonly severity: Severity;
  /** The environment variable to change. */
  readonly setting: string;
  readonly message: string;
  readonly fix: string;
}

export interface DoctorOptions {
  /** `--processes N`: how many server processes will share this configuration. */
  readonly processes?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const GENERATE_SECRET = 'SECRET_KEY="$(openssl rand -base64 48)"';
/** A stand-in that passes parseConfig in any environment, so that the other settings can still be judged. */
const STAND_IN_SECRET = 'doctor-stand-in-7fQ2xLr9WmZ4cVb8NtY3kHs6JpD1gAe5uXo0iRqTyMwEzKlBnCv';

/** The library's defaults, as parseConfig gives them: what "raised" and "relaxed" compare with. */
const DEFAULTS: AuthConfig = parseConfig({ secretKey: STAND_IN_SECRET });

const RATE_LIMIT_SETTINGS = [
  ['login', 'AUTH_RATE_LIMIT_LOGIN'],
  ['register', 'AUTH_RATE_LIMIT_REGISTER'],
  ['reset', 'AUTH_RATE_LIMIT_RESET'],
  ['refresh', 'AUTH_RATE_LIMIT_REFRESH'],
] as const;

const rule = (r: { count: number; windowMs: number }) => `${r.count}/${formatDurationMs(r.windowMs)}`;
/** More attempts in a window, or the same attempts in a shorter one. */
const isRaised = (r: { count: number; windowMs: number }, d: { count: number; windowMs: number }) => r.count > d.count || r.count / r.windowMs > d.count / d.windowMs;

/**
 * Reads the configuration the way the server would, collecting every ConfigError as a finding:
 * the variable named by an error is dropped and the rest read again, so one typo hides nothing else.
 */
function readConfig(env: Env, findings: Finding[]): { parsed: AppConfig; config: AuthConfig } | undefined {
  const remaining: Record<string, string | undefined> = { ...env };
  // Each pass reads again from the top: report a setting once.
  const reported = (setting: string) => findings.some((finding) => finding.setting === setting);
  for (let attempt = 0; attempt < 64; attempt += 1) {
    let parsed: AppConfig;
    try {
      parsed = readAppConfig(remaining);
    } catch (error) {
      if (!(error instanceof ConfigError) || remaining[error.setting] === undefined) throw error;
      findings.push(configInvalid(error));
      delete remaining[error.setting];
      continue;
    }
    const production = parsed.auth.environment === 'production';
    let secretKey = parsed.auth.secretKey;
    if (secretKey === undefined) {
      if (!reported('SECRET_KEY')) findings.push(
        production
          ? { id: 'secret-key-missing', severity: 'error', setting: 'SECRET_KEY', message: 'SECRET_KEY is not set: production refuses to start.', fix: `Set ${GENERATE_SECRET} (keep it in your secret store).` }
          : { id: 'secret-key-generated', severity: 'info', setting: 'SECRET_KEY', message: 'SECRET_KEY is not set: a development secret is generated once in the data directory.', fix: `Set ${GENERATE_SECRET} before deploying.` },
      );
      secretKey = STAND_IN_SECRET;
    }
    let publicOrigin = parsed.auth.publicOrigin;
    if (production && publicOrigin === undefined) {
      if (!reported('PUBLIC_URL')) findings.push({ id: 'public-url-missing', severity: 'error', setting: 'PUBLIC_URL', message: 'PUBLIC_URL is not set: production refuses to start (redirects, e-mail links and the allowed Origin come from it).', fix: 'Set PUBLIC_URL=https://your.domain' });
      publicOrigin = 'https://public-url.invalid';
    }
    try {
      return { parsed, config: parseConfig({ ...parsed.auth, secretKey, ...(publicOrigin ? { publicOrigin } : {}) }) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (error.setting === 'SECRET_KEY') {
        findings.push({ id: 'secret-key-weak', severity: 'error', setting: 'SECRET_KEY', message: `${stripPrefix(error)} — the server refuses to start.`, fix: `Set ${GENERATE_SECRET}` });
      } else if (remaining[error.setting] !== undefined) {
        findings.push(configInvalid(error));
      } else {
        findings.push(configInvalid(error));
        return undefined;
      }
      delete remaining[error.setting];
    }
  }
  return undefined;
}

function stripPrefix(error: ConfigError): string {
  return error.message.replace(/^Invalid configuration: /, '');
}

function configInvalid(error: ConfigError): Finding {
  return { id: 'config-invalid', severity: 'error', setting: error.setting, message: `${stripPrefix(error)} — the server refuses to start.`, fix: `Correct ${error.setting} or unset it (README, "Configuration").` };
}

/** How many processes will serve: `--processes`, WEB_CONCURRENCY, or a pm2 cluster (NODE_APP_INSTANCE). */
function processCount(env: Env, options: DoctorOptions): { count: number; source: string } {
  if (options.processes !== undefined && options.processes > 1) return { count: options.processes, source: `--processes ${options.processes}` };
  const web = Number(env.WEB_CONCURRENCY);
  if (Number.isInteger(web) && web > 1) return { count: web, source: `WEB_CONCURRENCY=${web}` };
  if (env.NODE_APP_INSTANCE !== undefined && env.NODE_APP_INSTANCE !== '') return { count: 2, source: 'NODE_APP_INSTANCE (a pm2 cluster)' };
  return { count: options.processes ?? 1, source: '' };
}

/** TRUST_PROXY_HEADER=forwarded is safe only behind a proxy that writes Forwarded itself on every request. */
function forwardedHeaderFindings(config: AuthConfig): Finding[] {
  if (config.trustProxy.kind === 'none' || config.trustProxyHeader !== 'forwarded') return [];
  return [{
    id: 'trust-proxy-header-forwarded',
    severity: 'warning',
    setting: 'TRUST_PROXY_HEADER',
    message:
      "TRUST_PROXY_HEADER=forwarded believes RFC 7239 Forwarded from your proxies and ignores X-Forwarded-For. nginx and most load balancers pass a client's own Forwarded header through untouched: unless your proxy writes Forwarded itself on every request, any client picks its own IP and scheme (fresh rate-limit and lockout budgets, forged audit IPs, another network for session binding, /metrics' loopback gate opened).",
    fix: 'Leave TRUST_PROXY_HEADER unset (x-forwarded-for) unless your proxy writes Forwarded on every request; with nginx: proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Forwarded-Proto $scheme;',
  }];
}

function trustProxyFindings(config: AuthConfig, env: Env): Finding[] {
  const trust = config.trustProxy;
  const fix = 'Set TRUST_PROXY to your proxies\' addresses only, e.g. TRUST_PROXY=loopback or TRUST_PROXY=10.0.0.5/32';
  if (trust.kind === 'hops') {
    return [{
      id: 'trust-proxy-hops',
      severity: 'warning',
      setting: 'TRUST_PROXY',
      message: `TRUST_PROXY=${env.TRUST_PROXY ?? trust.hops} (a hop count) believes X-Forwarded-For from any peer: a client that reaches the app directly picks its own IP, dodging per-IP rate limits and failure budgets and poisoning the audit trail.`,
      fix,
    }];
  }
  if (trust.kind !== 'cidrs') return [];
  const findings: Finding[] = [];
  for (const cidr of trust.cidrs) {
    if (cidr === 'loopback') continue;
    const [address = '', prefixText] = cidr.split('/');
    const v6 = address.includes(':');
    const prefix = prefixText === undefined ? (v6 ? 128 : 32) : Number(prefixText);
    if (prefix === 0) {
      findings.push({ id: 'trust-proxy-everyone', severity: 'error', setting: 'TRUST_PROXY', message: `TRUST_PROXY includes ${cidr}: every client is a trusted proxy and can set its own IP and scheme (rate limits, lockout budgets and HTTPS detection are bypassed).`, fix });
    } else if (prefix < (v6 ? 32 : 8)) {
      findings.push({ id: 'trust-proxy-wide', severity: 'warning', setting: 'TRUST_PROXY', message: `TRUST_PROXY includes ${cidr}, wider than /${v6 ? 32 : 8}: clients inside it can set their own IP.`, fix });
    }
  }
  return findings;
}

/** The findings for one environment, errors first. */
export function diagnose(env: Env, options: DoctorOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const read = readConfig(env, findings);
  if (read) findings.push(...judge(read.parsed, read.config, env, options));
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function judge(parsed: AppConfig, config: AuthConfig, env: Env, options: DoctorOptions): Finding[] {
  const { server } = parsed;
  const production = config.environment === 'production';
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, setting: string, message: string, fix: string) => out.push({ id, severity, setting, message, fix });

  if (!production) {
    add('not-production', 'info', 'NODE_ENV', `NODE_ENV is ${config.environment}: the production-only checks were skipped.`, 'Run doctor with the production environment: NODE_ENV=production … npx portcullis doctor');
  }

  // Transport. start.ts turns FORCE_HTTPS on by itself for native TLS with a redirect port.
  const forceHttps = parsed.auth.forceHttps ?? (server.tls !== null && server.httpRedirectPort !== null ? true : config.forceHttps);
  if (production && !forceHttps) {
    add('force-https-off', 'warning', 'FORCE_HTTPS', 'FORCE_HTTPS is off in production: plain-HTTP requests are served (no redirect; no HSTS on them).', 'Unset FORCE_HTTPS (on by default in production), unless your proxy already redirects every plain request.');
  }
  if (production && !config.publicOrigin.startsWith('https:')) {
    add('public-url-not-https', 'error', 'PUBLIC_URL', `PUBLIC_URL is ${config.publicOrigin}: session cookies are not Secure (no __Host- prefix), redirects and e-mail links use plain HTTP.`, 'Serve over HTTPS and set PUBLIC_URL=https://your.domain');
  }
  out.push(...trustProxyFindings(config, env), ...forwardedHeaderFindings(config));

  // Counting attempts.
  for (const [name, setting] of RATE_LIMIT_SETTINGS) {
    if (isRaised(config.rateLimits[name], DEFAULTS.rateLimits[name])) {
      add('rate-limit-raised', 'warning', setting, `${setting}=${rule(config.rateLimits[name])} allows more than the default ${rule(DEFAULTS.rateLimits[name])}.`, `Unset ${setting} (default ${rule(DEFAULTS.rateLimits[name])}), or keep it only if you measured the need.`);
    }
  }
  if (isRaised(config.lockout.ipFailureBudget, DEFAULTS.lockout.ipFailureBudget)) {
    add('rate-limit-raised', 'warning', 'AUTH_IP_FAILURE_BUDGET', `AUTH_IP_FAILURE_BUDGET=${rule(config.lockout.ipFailureBudget)} lets one client fail more logins across accounts than the default ${rule(DEFAULTS.lockout.ipFailureBudget)} (credential stuffing).`, 'Unset AUTH_IP_FAILURE_BUDGET.');
  }
  if (config.lockout.threshold > 10) {
    add('lockout-threshold-high', 'warning', 'AUTH_LOCKOUT_THRESHOLD', `AUTH_LOCKOUT_THRESHOLD=${config.lockout.threshold}: that many guesses per account before any delay (default ${DEFAULTS.lockout.threshold}).`, 'Set AUTH_LOCKOUT_THRESHOLD to 10 or less (default 3).');
  }
  if (config.lockout.clientChecksInFlight > DEFAULTS.lockout.clientChecksInFlight) {
    add(
      'client-checks-in-flight-raised',
      'warning',
      'AUTH_CLIENT_CHECKS_IN_FLIGHT',
      `AUTH_CLIENT_CHECKS_IN_FLIGHT=${config.lockout.clientChecksInFlight}: one client may hold that many password checks in the hashing queue at once (default ${DEFAULTS.lockout.clientChecksInFlight}), and everyone's logins wait behind them.`,
      `Unset AUTH_CLIENT_CHECKS_IN_FLIGHT (default ${DEFAULTS.lockout.clientChecksInFlight}).`,
    );
  }
  if (config.lockout.maxDelayMs < 60_000) {
    add('lockout-max-delay-short', 'warning', 'AUTH_LOCKOUT_MAX_DELAY', `AUTH_LOCKOUT_MAX_DELAY=${formatDurationMs(config.lockout.maxDelayMs)}: a locked account is free again that soon, so guessing goes on at a steady rate.`, `Set AUTH_LOCKOUT_MAX_DELAY to 1m or more (default ${formatDurationMs(DEFAULTS.lockout.maxDelayMs)}).`);
  }

  // Sessions and CSRF.
  if (config.session.protection === 'off') {
    add('session-protection-off', 'warning', 'SESSION_PROTECTION', 'SESSION_PROTECTION=off: a session used from a new device or network stays fresh.', 'Unset SESSION_PROTECTION (default basic) or set strong.');
  }
  if (!config.csrf.mechanisms.includes('session')) {
    add('csrf-session-off', 'error', 'CSRF_MECHANISMS', `CSRF_MECHANISMS=${config.csrf.mechanisms.join(',')}: cookie-authenticated requests need no CSRF token.`, 'Unset CSRF_MECHANISMS (default session,basic).');
  }
  const httpOrigins = config.csrf.trustedOrigins.filter((origin) => origin.startsWith('http:'));
  if (production && httpOrigins.length > 0) {
    add('csrf-trusted-origin-http', 'warning', 'CSRF_TRUSTED_ORIGINS', `CSRF_TRUSTED_ORIGINS includes plain-HTTP ${httpOrigins.join(', ')}: anyone on the network path can inject a page there that sends cookie-authenticated requests.`, 'List only https:// origins in CSRF_TRUSTED_ORIGINS.');
  }

  // Several processes.
  const processes = processCount(env, options);
  if (processes.count > 1) {
    if (server.databaseUrl.startsWith('sqlite:')) {
      add('sqlite-multi-process', 'warning', 'DATABASE_URL', `SQLite with several processes (${processes.source}): writers queue on one file lock and every process must share the same disk.`, 'Use PostgreSQL: DATABASE_URL=postgres://…');
    }
    if (server.redisUrl === null) {
      add('redis-missing-multi-process', 'error', 'REDIS_URL', `No REDIS_URL with several processes (${processes.source}): rate limits and lockouts are counted per process, so ${processes.count} processes allow ${processes.count}× the attempts.`, 'Set REDIS_URL=redis://… so that every process counts in one place.');
    }
  }

  // Passwords.
  if (production && config.password.breachCheck === 'off') {
    add('breach-check-off', 'warning', 'PASSWORD_BREACH_CHECK', 'PASSWORD_BREACH_CHECK=off: new passwords are not checked against Have I Been Pwned (only the offline blocklist).', 'Unset PASSWORD_BREACH_CHECK (default in production: fail-open).');
  }
  const minLength = config.password.minLength;
  if (minLength < 8) {
    add('password-min-length-low', 'error', 'PASSWORD_MIN_LENGTH', `PASSWORD_MIN_LENGTH=${minLength}: below NIST SP 800-63B's floor of 8.`, 'Set PASSWORD_MIN_LENGTH to 8 or more (15 without MFA).');
  } else if (minLength < 15) {
    add('password-min-length-no-mfa', 'info', 'PASSWORD_MIN_LENGTH', `PASSWORD_MIN_LENGTH=${minLength}: NIST SP 800-63B asks for 15 when the password is the only factor (8 is the floor with MFA).`, 'Set PASSWORD_MIN_LENGTH=15 unless your users have a second factor.');
  }
  if (config.password.minStrength < 3) {
    add('password-strength-low', 'warning', 'PASSWORD_MIN_STRENGTH', config.password.minStrength === 0 ? 'PASSWORD_MIN_STRENGTH=0: the strength check is off.' : `PASSWORD_MIN_STRENGTH=${config.password.minStrength}: guessable passwords pass (default 3).`, 'Unset PASSWORD_MIN_STRENGTH (default 3).');
  }

  // Multi-factor.
  const rememberDeviceMs = config.mfa.rememberDeviceMs;
  if (rememberDeviceMs !== null && rememberDeviceMs > 90 * 86_400_000) {
    add(
      'remember-device-long',
      'warning',
      'MFA_REMEMBER_DEVICE',
      `MFA_REMEMBER_DEVICE=${formatDurationMs(rememberDeviceMs)}: a remembered browser skips the second factor that long — a stolen laptop needs only the password.`,
      'Set MFA_REMEMBER_DEVICE to 30d (the default when on) or less, or off.',
    );
  }

  // Tokens.
  if (production && server.accessTokenKeyFile === null) {
    add('access-token-key-file-missing', 'error', 'ACCESS_TOKEN_KEY_FILE', 'ACCESS_TOKEN_KEY_FILE is not set: production refuses to start (access tokens need a stable Ed25519 key shared by every process).', 'openssl genpkey -algorithm ed25519 -out /etc/portcullis/token-key.pem and set ACCESS_TOKEN_KEY_FILE to it.');
  }
  for (const [setting, path] of [['ACCESS_TOKEN_KEY_FILE', server.accessTokenKeyFile], ['TLS_CERT', server.tls?.certPath], ['TLS_KEY', server.tls?.keyPath]] as const) {
    if (path && !existsSync(path)) add('file-missing', 'error', setting, `${setting}=${path} does not exist: the server refuses to start.`, `Point ${setting} at the file, or create it.`);
  }
  if (config.tokens.accessTtlMs > 3_600_000) {
    add('access-token-ttl-long', 'warning', 'ACCESS_TOKEN_TTL', `ACCESS_TOKEN_TTL=${formatDurationMs(config.tokens.accessTtlMs)}: a stolen access token works that long, and signing out does not stop it.`, 'Set ACCESS_TOKEN_TTL to 1h or less (default 15m); refresh tokens keep clients signed in.');
  }
  if (config.tokens.stateCacheTtlMs > 5 * 60_000) {
    add('token-state-cache-long', 'warning', 'TOKEN_STATE_CACHE_TTL', `TOKEN_STATE_CACHE_TTL=${formatDurationMs(config.tokens.stateCacheTtlMs)}: a deactivated user's or revoked family's bearer tokens keep working that long in other processes.`, 'Set TOKEN_STATE_CACHE_TTL to 5m or less (default 30s).');
  }

  // The reference server mounts /dev/mail exactly when this holds (start.ts).
  if (!production && server.smtpUrl === null) {
    const reachable = !isLoopbackHost(server.host);
    add(
      'dev-mail-on',
      reachable ? 'warning' : 'info',
      'SMTP_URL',
      `SMTP_URL is not set and NODE_ENV is ${config.environment}: every e-mail (reset and confirmation links) goes to ${server.mailOutbox} and is listed at /dev/mail to loopback clients${reachable ? `, on a server listening on HOST=${server.host}: a reverse proxy on this machine that forwards without X-Forwarded-For would show it to everyone` : ''}.`,
      'Set SMTP_URL=smtp://… (or NODE_ENV=production) on any server that others can reach.',
    );
  }
  if (config.bootstrapAdminEmail !== null) {
    add(
      'bootstrap-admin-email-set',
      'warning',
      'BOOTSTRAP_ADMIN_EMAIL',
      'BOOTSTRAP_ADMIN_EMAIL is set: until some user holds the admin role, whoever registers that address first becomes admin.',
      'Register the address right after the first start (or create the admin with `portcullis users create --role admin`), then unset BOOTSTRAP_ADMIN_EMAIL.',
    );
  }

  if (config.oauth.autolink === 'verified') {
    add(
      'oauth-autolink-verified',
      'warning',
      'OAUTH_AUTOLINK',
      'OAUTH_AUTOLINK=verified: a provider that says email_verified: true for an address is trusted to sign in to the account holding it (if that address is confirmed here) — every configured provider can then take over accounts by e-mail.',
      'Unset OAUTH_AUTOLINK (default off: users sign in and link providers from their account page), unless every provider verifies addresses as well as you do (docs/social-login.md).',
    );
  }
  for (const provider of config.oauth.providers) {
    if (production && provider.issuer.startsWith('http:')) {
      const setting = `OAUTH_${provider.name.toUpperCase()}_ISSUER`;
      add('oauth-issuer-plain-http', 'warning', setting, `${setting} is ${provider.issuer}: discovery, keys and tokens travel over plain HTTP (a provider on this machine).`, 'Use the provider\'s https issuer in production.');
    }
  }

  if (production && server.smtpUrl === null) {
    const confirming = config.identity.confirmation === 'required' ? ' With EMAIL_CONFIRMATION=required, nobody can finish signing up.' : '';
    add('smtp-missing', 'warning', 'SMTP_URL', `SMTP_URL is not set in production: password-reset and confirmation e-mails go to the outbox file ${server.mailOutbox}, not to users.${confirming}`, 'Set SMTP_URL=smtps://user:pass@mail.example.com');
  }

  // Verified identity (docs/identity.md).
  if (production && config.identity.confirmation !== 'required') {
    add(
      'email-confirmation-relaxed',
      'warning',
      'EMAIL_CONFIRMATION',
      `EMAIL_CONFIRMATION is ${config.identity.confirmation} in production: accounts sign in with addresses nobody proved, and registration tells whether an address is taken.`,
      'Unset EMAIL_CONFIRMATION (required by default), with SMTP_URL set so the links reach people.',
    );
  }
  if (isRaised(config.identity.mailRecipientBudget, DEFAULTS.identity.mailRecipientBudget)) {
    add(
      'mail-recipient-budget-raised',
      'warning',
      'MAIL_RECIPIENT_BUDGET',
      `MAIL_RECIPIENT_BUDGET=${rule(config.identity.mailRecipientBudget)} lets strangers send one mailbox more mail than the default ${rule(DEFAULTS.identity.mailRecipientBudget)}.`,
      'Unset MAIL_RECIPIENT_BUDGET.',
    );
  }
  return out;
}

/** HOST values that only this machine can reach. */
function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\./i.test(host);
}
