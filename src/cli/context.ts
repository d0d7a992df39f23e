/**
 * @module What the management commands share: the configuration read from the environment as
 * `npm start` reads it, the SQL stores (migrated, as at start), an `Auth` on them through which
 * every read and change goes (`auth.admin`: audited, caches dropped), and the CLI as the actor.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createAuth, type Auth, type ClientInfo, type InvalidationBus, type Principal, type PublicUser } from '../index.ts';
import { readAppConfig } from '../app/settings.ts';
import { createSqlStores } from '../sql.ts';
import { createOutboxMailer, createSmtpMailer, type SmtpMailer } from '../mail.ts';
import { resolve } from 'node:path';
import { CliError } from './cli-error.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The actor of every admin action taken from the command line; `actorId` in the audit trail is `cli`. */
export const CLI_ACTOR: Principal = Object.freeze({
  user: {
    id: 'cli',
    email: 'cli',
    emailKey: 'cli',
    username: null,
    usernameKey: null,
    passwordHash: '',
    active: true,
    uniquifier: '',
    createdAtMs: 0,
    updatedAtMs: 0,
    lastLoginAtMs: null,
    emailConfirmedAtMs: null,
  },
  authorization: { roles: ['admin'], permissions: [] },
  via: 'session',
  session: null,
});

/** Where CLI actions come from, as the audit trail records them. */
export const CLI_CLIENT: ClientInfo = Object.freeze({ ip: '127.0.0.1', userAgent: 'portcullis-cli', secure: true });

export interface AdminContext {
  readonly auth: Auth;
  /** The user with this e-mail (any case), or a CliError naming it. */
  findUserByEmail(email: string): Promise<PublicUser>;
  /** Closes the Auth (queued audit events written), then the database and the invalidation bus. */
  close(): Promise<void>;
}

/**
 * With REDIS_URL (several server processes), the servers cache users' roles and state for Bearer
 * requests: a change made here is announced on their invalidation bus, so it reaches them at once
 * rather than after the cache's TTL. Unreachable Redis is refused, as at start.
 */
async function openInvalidationBus(server: ReturnType<typeof readAppConfig>['server']): Promise<InvalidationBus | undefined> {
  if (!server.redisUrl) return undefined;
  // portcullis/redis (and ioredis under it) is loaded only when Redis was asked for.
  const { createRedisInvalidationBus } = await import('../redis.ts');
  return createRedisInvalidationBus(server.redisUrl, { keyPrefix: server.redisKeyPrefix });
}

export async function openAdminContext(env: Env): Promise<AdminContext> {
  const { server, auth: options } = readAppConfig(env);
  const stores = await createSqlStores(server.databaseUrl);
  let invalidationBus: InvalidationBus | undefined;
  let auth: Auth;
  // The mail the server would send (a password set from here tells the user): SMTP, else the outbox.
  const smtp: SmtpMailer | undefined = server.smtpUrl ? createSmtpMailer(server.smtpUrl, options.mailFrom ?? 'Portcullis <no-reply@localhost>') : undefined;
  const mailer = smtp ?? createOutboxMailer(resolve(server.mailOutbox));
  try {
    invalidationBus = await openInvalidationBus(server);
    auth = createAuth({
      ...options,
      // The secret keys CSRF tokens and flash cookies, which the CLI never makes: when it is unset
      // (development) a throwaway one does; a SECRET_KEY that is set is checked as at start.
      secretKey: options.secretKey ?? randomBytes(48).toString('base64'),
      stores,
      invalidationBus,
      mailer,
      // stdout is the command's output: security log lines go to stderr (the audit rows to the database).
      securityLogger: pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination({ dest: 2, sync: true })),
    });
  } catch (error) {
    smtp?.close();
    await Promise.all([stores.close(), invalidationBus?.close()]);
    throw error;
  }
  return {
    auth,
    async findUserByEmail(email) {
      const found = await auth.admin.findUser({ email });
      if (!found) throw new CliError(`No user with e-mail ${JSON.stringify(email)}`);
      return found.user;
    },
    async close() {
      try {
        await auth.close();
      } finally {
        smtp?.close();
        await Promise.all([stores.close(), invalidationBus?.close()]);
      }
    },
  };
}

/** Opens the context, runs the work, and always closes (audit flushed) — also when the work fails. */
export async function withAdminContext<T>(env: Env, work: (context: AdminContext) => Promise<T>): Promise<T> {
  const context = await openAdminContext(env);
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
