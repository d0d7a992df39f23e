/**
 * @module Starting the reference server from environment variables: validate configuration,
 * open and migrate the database, seed the built-in roles, listen, and shut down gracefully.
 */
import { serve, type ServerType } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { ConfigError, createAuth, parseConfig, generateSigningKeyPem, createMemoryCounterStore, type Auth, type CounterStore } from '../index.ts';
import { createOutboxMailer, createSmtpMailer } from '../mail.ts';
import type { RedisHealth } from '../redis.ts';
import { createSqlStores, type SqlStores } from '../sql.ts';
import { loadOrCreateDevSecret, loadOrCreateDevSigningKeys, readSigningKeyFile } from './secret.ts';
import { createReferenceApp } from './server.tsx';
import { readAppConfig } from './settings.ts';
import { TLS_SERVER_POLICY } from './tls-policy.ts';

/** The roles the reference app knows about; `admin` is also what BOOTSTRAP_ADMIN_EMAIL receives. */
export const BUILT_IN_ROLES = [
  { name: 'admin', description: 'Manage users, roles and sessions', permissions: ['users:manage', 'docs:manage', 'audit:read'] },
  { name: 'editor', description: 'Create and edit any document', permissions: ['docs:write'] },
  { name: 'auditor', description: 'Read the audit log', permissions: ['audit:read'] },
] as const;

const SESSION_SWEEP_INTERVAL_MS = 15 * 60_000;

/** The reference app's own defaults on top of the library's: where browsers land after login. */
export function referenceAppOptions<T extends { pages?: object }>(options: T): T {
  return { ...options, pages: { afterLogin: '/dashboard', ...options.pages } };
}

export interface RunningServer {
  readonly url: string;
  readonly auth: Auth;
  readonly stores: SqlStores;
  readonly log: Logger;
  close(): Promise<void>;
}

export async function startServer(env: Readonly<Record<string, string | undefined>>, logger?: Logger): Promise<RunningServer> {
  const { server, auth: authOptions } = readAppConfig(env);
  const log = logger ?? pino({ level: server.logLevel });
  const secretKey = authOptions.secretKey ?? (authOptions.environment === 'production' ? undefined : loadOrCreateDevSecret(server.dataDir));
  if (secretKey === undefined) throw new ConfigError({ path: 'secretKey', variable: 'SECRET_KEY' }, 'is required in production (generate one: openssl rand -base64 48)');
  // Every setting is judged before anything is opened or generated: one clear line, nothing half-started.
  parseConfig({ ...authOptions, secretKey });
  const tokenSigningKeys = server.accessTokenKeyFile
    ? readSigningKeyFile(server.accessTokenKeyFile)
    : authOptions.environment === 'production'
      ? undefined
      : await loadOrCreateDevSigningKeys(server.dataDir, generateSigningKeyPem);
  if (tokenSigningKeys === undefined) {
    throw new ConfigError({ variable: 'ACCESS_TOKEN_KEY_FILE' }, 'is required in production (an Ed25519 PKCS#8 PEM: openssl genpkey -algorithm ed25519)');
  }
  // Mail: SMTP when configured; otherwise a development outbox, listed at /dev/mail.
  const mailFrom = authOptions.mailFrom ?? 'Portcullis <no-reply@localhost>';
  const mailer = server.smtpUrl ? createSmtpMailer(server.smtpUrl, mailFrom) : createOutboxMailer(resolve(server.mailOutbox));
  // Redis was asked for: unreachable at start is a refusal to start, never a silent fallback.
  // Lost while running: limits fall back to per-process counters and caches to their TTL; one line each way.
  const onHealthChange = (lost: string, back: string) => (health: RedisHealth, detail: string) =>
    health === 'lost' ? log.warn({ detail }, `Redis lost: ${lost}`) : log.info(`Redis back: ${back}`);
  const redisOptions = server.redisUrl ? { keyPrefix: server.redisKeyPrefix } : null;
  // portcullis/redis (and ioredis under it) is loaded only when Redis was asked for.
  const redis = redisOptions ? await import('../redis.ts') : undefined;
  const counters: CounterStore =
    server.redisUrl && redisOptions && redis
      ? await redis.createRedisCounterStore(server.redisUrl, { ...redisOptions, onHealthChange: onHealthChange('rate limits and lock-outs count per process until it returns', 'shared counters restored') })
      : createMemoryCounterStore();
  const invalidationBus =
    server.redisUrl && redisOptions && redis
      ? await redis.createRedisInvalidationBus(server.redisUrl, { ...redisOptions, onHealthChange: onHealthChange('token-state caches fall back to their TTL', 'cache invalidation restored') }).catch(async (error: unknown) => {
          await counters.close();
          throw error;
        })
      : undefined;
  const closeShared = () => Promise.all([counters.close(), invalidationBus?.close()]).then(() => undefined);
  let stores: SqlStores;
  try {
    stores = await createSqlStores(server.databaseUrl);
  } catch (error) {
    await closeShared();
    throw error;
  }
  let auth: Auth;
  try {
    const forceHttps = authOptions.forceHttps ?? (server.tls !== null && server.httpRedirectPort !== null ? true : undefined);
    auth = createAuth({ ...referenceAppOptions(authOptions), ...(forceHttps !== undefined ? { forceHttps } : {}), secretKey, stores, counters, invalidationBus, tokenSigningKeys, mailer, metrics: server.metrics.enabled, securityLogger: log.child({ logger: 'security' }) });
    for (const role of BUILT_IN_ROLES) await stores.roles.upsertRole({ ...role, permissions: [...role.permissions] });
  } catch (error) {
    await Promise.all([stores.close(), closeShared()]);
    throw error;
  }
  if (!auth.config.forceHttps && auth.config.environment === 'production') log.warn('FORCE_HTTPS is off in production: plain HTTP is served');
  if (auth.config.trustProxy.kind !== 'none') log.info({ trustProxy: env.TRUST_PROXY, trustProxyHeader: auth.config.trustProxyHeader }, `trusting ${auth.config.trustProxyHeader === 'forwarded' ? 'Forwarded' : 'X-Forwarded-For / X-Forwarded-Proto'} from configured proxies`);
  // createReferenceApp mounts /dev/mail exactly when this holds: say so, since it lists every reset link.
  if (!server.smtpUrl && auth.config.environment !== 'production') {
    log.warn({ path: '/dev/mail', outbox: resolve(server.mailOutbox) }, 'development outbox on: /dev/mail lists every e-mail sent (reset and confirmation links) to loopback clients; set SMTP_URL to send mail and turn it off');
  }
  if (auth.config.oauth.autolink === 'verified') {
    log.warn('OAUTH_AUTOLINK=verified: a provider e-mail marked verified signs in to the confirmed account holding it (docs/social-login.md); unset it to link only from the account page');
  }
  if (auth.config.bootstrapAdminEmail !== null) {
    log.warn('BOOTSTRAP_ADMIN_EMAIL is set: while no user holds the admin role, registering that address grants it; unset it once your admin exists');
  }

  const { app } = createReferenceApp(auth, {
    documentsDb: stores.db,
    onInternalError: (error) => log.error({ err: error }, 'unhandled error'),
    ...(server.smtpUrl ? {} : { devMailbox: resolve(server.mailOutbox) }),
    ...(server.metrics.enabled ? { metrics: { token: server.metrics.token } } : {}),
  });
  const listen = (port: number, tls: { cert: Buffer; key: Buffer } | null) =>
    new Promise<ServerType>((ready, fail) => {
      const s = tls
        ? serve({ fetch: app.fetch, port, hostname: server.host, createServer: createHttpsServer, serverOptions: { ...tls, ...TLS_SERVER_POLICY } }, () => ready(s))
        : serve({ fetch: app.fetch, port, hostname: server.host }, () => ready(s));
      s.once('error', fail);
    });
  const tls = server.tls ? { cert: readFileSync(server.tls.certPath), key: readFileSync(server.tls.keyPath) } : null;
  const httpServer = await listen(server.port, tls);
  // With native TLS, an optional plain port serves the same app, whose FORCE_HTTPS step redirects
  // every request (but /healthz) to PUBLIC_URL over HTTPS.
  const redirectServer = tls && server.httpRedirectPort !== null ? await listen(server.httpRedirectPort, null) : null;
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  if (redirectServer) log.info({ port: server.httpRedirectPort }, 'plain HTTP port redirects to HTTPS');
  log.info({ url, database: stores.dialect, counters: server.redisUrl ? 'redis' : 'memory', environment: auth.config.environment }, `Portcullis listening on ${url}`);

  // Expired sessions and remembered devices are already refused on sight; this only keeps the tables small.
  const sweepExpiredSessions = () =>
    Promise.all([
      stores.sessions.deleteExpiredSessions(Date.now(), auth.config.session.idleTimeoutMs),
      stores.devices.deleteExpiredDevices(Date.now()),
    ]).catch((error: unknown) => log.warn({ err: error }, 'session sweep failed'));
  const sweeper = setInterval(sweepExpiredSessions, SESSION_SWEEP_INTERVAL_MS);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    auth,
    stores,
    log,
    close: () =>
      (closing ??= Promise.all(
        [httpServer, redirectServer].map(
          (s) =>
            new Promise<void>((done) => {
              if (!s) return done();
              s.close(() => done());
              // Idle keep-alive connections would hold close() open; in-flight requests still finish.
              (s as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            }),
        ),
      )
        .then(() => clearInterval(sweeper))
        // The Auth first (queued audit rows written, its hashing threads let go), then what it was given.
        .then(() => auth.close())
        .then(() => Promise.all([stores.close(), closeShared()]).then(() => undefined))),
  };
}
