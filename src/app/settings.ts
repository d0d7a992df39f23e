/**
 * @module The reference server's own settings — where to listen, TLS, the database, Redis, mail,
 * logs, metrics, the data directory — which the library never sees. Read from API.md's variables
 * with the library's text readers; a bad one is a ConfigError naming the variable, as for the
 * library's options (`readEnvOptions` + `parseConfig`).
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, readBooleanText, readEnvOptions, readNumberText, type EnvOptions } from '../index.ts';

/** What the reference server needs besides the auth options. */
export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** The development secret and signing keys live here: beside a SQLite file, else `./data`. */
  readonly dataDir: string;
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

export interface AppConfig {
  readonly server: ServerSettings;
  /** The library's options from the environment (PUBLIC_URL derived from HOST and PORT outside production); the secret may be unset. */
  readonly auth: EnvOptions;
}

const PORT_RULE = 'must be a whole number from 1 to 65535';
const port = () => z.preprocess(readNumberText, z.number({ error: PORT_RULE }).int({ error: PORT_RULE }).min(1, { error: PORT_RULE }).max(65535, { error: PORT_RULE }));
const text = () => z.string().min(1);

// Keys are the variables; the order is the order refusals are reported in.
const SERVER_VARIABLES = z.object({
  PORT: port().optional(),
  HOST: text().optional(),
  // URLs may carry passwords: their refusals never echo the value.
  DATABASE_URL: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, { error: 'must start with sqlite: or postgres://' }).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { error: 'must start with redis:// or rediss://' }).optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, or _ : . -' }).optional(),
  TLS_CERT: text().optional(),
  TLS_KEY: text().optional(),
  HTTP_REDIRECT_PORT: port().optional(),
  SMTP_URL: text().optional(),
  MAIL_OUTBOX: text().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level (fatal … trace, silent)' }).optional(),
  METRICS: z.preprocess(readBooleanText, z.boolean({ error: 'must be true or false' })).optional(),
  METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  ACCESS_TOKEN_KEY_FILE: text().optional(),
});

const SECRET_VARIABLES = new Set(['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'METRICS_TOKEN']);

function dataDirOf(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') && !databaseUrl.includes(':memory:') ? dirname(resolve(databaseUrl.slice(7))) : resolve('data');
}

/** The reference server's settings; empty and unknown variables are ignored. Throws a ConfigError naming the first bad one. */
export function readServerSettings(env: Readonly<Record<string, string | undefined>>): ServerSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== undefined && value !== '' && key in SERVER_VARIABLES.shape));
  const parsed = SERVER_VARIABLES.safeParse(present, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const shown = SECRET_VARIABLES.has(variable) || issue?.input === undefined ? '' : ` (got ${JSON.stringify(issue.input)})`;
    throw new ConfigError({ variable }, `${issue?.message ?? 'is invalid'}${shown}`);
  }
  const e = parsed.data;
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    const [missing, given] = e.TLS_CERT === undefined ? ['TLS_CERT', 'TLS_KEY'] : ['TLS_KEY', 'TLS_CERT'];
    throw new ConfigError({ variable: missing }, `must be set together with ${given}`);
  }
  const databaseUrl = e.DATABASE_URL ?? 'sqlite:./data/portcullis.db';
  return {
    port: e.PORT ?? 3000,
    host: e.HOST ?? '127.0.0.1',
    databaseUrl,
    dataDir: dataDirOf(databaseUrl),
    redisUrl: e.REDIS_URL ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    mailOutbox: e.MAIL_OUTBOX ?? './data/outbox.jsonl',
    logLevel: e.LOG_LEVEL ?? 'info',
    tls: e.TLS_CERT && e.TLS_KEY ? { certPath: e.TLS_CERT, keyPath: e.TLS_KEY } : null,
    httpRedirectPort: e.HTTP_REDIRECT_PORT ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX ?? 'portcullis',
    accessTokenKeyFile: e.ACCESS_TOKEN_KEY_FILE ?? null,
    metrics: { enabled: e.METRICS ?? false, token: e.METRICS_TOKEN ?? null },
  };
}

/**
 * The whole environment as `npm start`, the CLI and `doctor` read it: the server's settings, and
 * the library's options for `createAuth` / `parseConfig` (which judges them). Outside production
 * an unset PUBLIC_URL is where the server listens.
 */
export function readAppConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const server = readServerSettings(env);
  const auth = readEnvOptions(env);
  if (auth.publicOrigin !== undefined || auth.environment === 'production') return { server, auth };
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return { server, auth: { ...auth, publicOrigin: `http://${host}:${server.port}` } };
}
