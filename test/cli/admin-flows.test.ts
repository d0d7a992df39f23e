/**
 * The CLI changes users and roles only through the library's flows, as a running server would see
 * them: `import-users` creates accounts through registration's path (the same rules, the same
 * `user.registered` event, bootstrap admin), `roles create` on an existing role is audited and
 * reaches a server's cached Bearer check at once (over the Redis invalidation bus), and
 * `sessions revoke` is audited. The "server" here is an Auth in the test process on the same
 * SQLite file and the same Redis channel as the CLI's child process.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, FixedClock, isAuthError, type Auth, type AuditRecord, type InvalidationBus } from '../../src/index.ts';
import { createRedisInvalidationBus } from '../../src/redis.ts';
import { createSqlStores, type SqlStores } from '../../src/sql.ts';
import { bcryptHash } from '../../src/testing/bcrypt-hash.ts';
import { TEST_REDIS_URL } from '../../src/testing/test-redis.ts';
import { CLIENT, runCli, tempDatabase, TEST_ACTOR } from './run-cli.ts';

const PASSWORD = 'correct horse battery staple';
const BOOTSTRAP_EMAIL = 'boss@example.com';

describe('the CLI goes through the flows', { timeout: 120_000 }, () => {
  const db = tempDatabase();
  const keyPrefix = `pc_test_${randomBytes(6).toString('hex')}`;
  const env = { ...db.env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, BOOTSTRAP_ADMIN_EMAIL: BOOTSTRAP_EMAIL };
  let stores: SqlStores;
  let bus: InvalidationBus;
  let server: Auth;

  beforeAll(async () => {
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    stores = await createSqlStores(db.url);
    bus = await createRedisInvalidationBus(TEST_REDIS_URL, { keyPrefix });
    // A FixedClock: the server's cached user state never expires by itself during the test, so
    // only an invalidation can make a change visible.
    server = createAuth({
      stores,
      invalidationBus: bus,
      clock: new FixedClock(),
      secretKey: 'cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
      environment: 'test',
      bootstrapAdminEmail: BOOTSTRAP_EMAIL,
      identity: { confirmation: 'off' },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([stores?.close(), bus?.close()]);
    db.remove();
  });

  const auditOf = async (event: AuditRecord['event'], userId?: string) =>
    (await server.admin.listAudit({ event, ...(userId ? { userId } : {}), offset: 0, limit: 50 })).records;

  it('import-users creates accounts through registration: the same rules, the same user.registered event, the bootstrap admin', async () => {
    await server.sessions.register({ email: 'registered@example.com', password: PASSWORD }, CLIENT);
    const hash = await bcryptHash(PASSWORD, { cost: 4, version: '2b' });
    const control = 'ctl\u0001name@example.com';
    const overlong = `${'a'.repeat(250)}@example.com`;
    const file = join(db.dir, 'import.json');
    writeFileSync(
      file,
      JSON.stringify([
        { email: 'imported@example.com', password_hash: hash },
        { email: control, password_hash: hash },
        { email: overlong, password_hash: hash },
        { email: BOOTSTRAP_EMAIL, password_hash: hash },
      ]),
    );
    const result = await runCli(['import-users', file, '--json'], { env });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { rows: Array<{ status: string; reason?: string }> };
    expect(report.rows.map((row) => row.status)).toEqual(['imported', 'skipped', 'skipped', 'imported']);

    // Refused with exactly the message registration gives for the same address.
    for (const [row, email] of [[report.rows[1], control], [report.rows[2], overlong]] as const) {
      const refusal = await server.sessions.register({ email, password: PASSWORD }, CLIENT).catch((error: unknown) => error);
      expect(isAuthError(refusal) && refusal.code === 'INVALID_INPUT').toBe(true);
      expect(row?.reason).toBe(isAuthError(refusal) ? refusal.fields?.email : 'not refused');
    }
    expect(await server.admin.findUser({ email: control })).toBeUndefined();

    // One user.registered per account, of one shape whichever way it came; the CLI is the client.
    const registered = await server.admin.findUser({ email: 'registered@example.com' });
    const imported = await server.admin.findUser({ email: 'imported@example.com' });
    const [byRegistration] = await auditOf('user.registered', registered?.user.id);
    const byImport = await auditOf('user.registered', imported?.user.id);
    expect(byImport).toHaveLength(1);
    const shape = ({ id: _id, atMs: _at, userId: _user, identity: _identity, ip: _ip, userAgent: _agent, ...rest }: AuditRecord) => rest;
    expect(shape(byImport[0]!)).toEqual(shape(byRegistration!));
    expect(byImport[0]).toMatchObject({ identity: 'imported@example.com', ip: '127.0.0.1', userAgent: 'portcullis-cli' });

    // BOOTSTRAP_ADMIN_EMAIL applies to an imported account as to a registered one.
    expect((await server.admin.findUser({ email: BOOTSTRAP_EMAIL }))?.user.roles).toEqual(['admin']);
    // And the imported user logs in with the old password.
    await server.sessions.login({ email: 'imported@example.com', password: PASSWORD }, CLIENT);
  });

  it('roles create on an existing role is audited, and the new permissions reach a Bearer check on the server at once', async () => {
    await server.admin.upsertRole(TEST_ACTOR, { name: 'editor', description: 'Edits documents', permissions: ['docs:write'] }, CLIENT);
    const user = await server.admin.createUser({ email: 'editor@example.com', password: PASSWORD }, CLIENT);
    await server.admin.grantRole(TEST_ACTOR, user.id, 'editor', CLIENT);
    const { access_token } = await server.tokens.issue({ email: 'editor@example.com', password: PASSWORD }, CLIENT);
    const bearer = async () => (await server.http.authenticate(new Headers({ authorization: `Bearer ${access_token}` }), CLIENT, ['token']))?.authorization.permissions;
    // The server has the user's permissions cached now.
    expect(await bearer()).toEqual(['docs:write']);

    const result = await runCli(['roles', 'create', 'editor', '--description', 'Edits and publishes', '--permission', 'docs:write', '--permission', 'docs:publish'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: 'Updated role editor (permissions: docs:write, docs:publish)\n' });

    // At once — no sleep, no TTL: the CLI's flow dropped the cached state on every process.
    expect([...((await bearer()) ?? [])].sort()).toEqual(['docs:publish', 'docs:write']);
    const upserted = (await auditOf('role.upserted')).filter((record) => record.actorId === 'cli');
    expect(upserted).toHaveLength(1);
    expect(upserted[0]).toMatchObject({ ip: '127.0.0.1', userAgent: 'portcullis-cli', detail: { role: 'editor', permissions: 'docs:write,docs:publish' } });
  });

  it('sessions revoke is audited through the flow: one session.revoked row for all of them, the CLI as actor', async () => {
    const first = await server.sessions.login({ email: 'registered@example.com', password: PASSWORD }, CLIENT);
    await server.sessions.login({ email: 'registered@example.com', password: PASSWORD }, CLIENT);
    const userId = first.principal.user.id;
    const result = await runCli(['sessions', 'revoke', '--user', 'REGISTERED@example.com'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Ended [2-9] sessions of registered@example\.com\n$/);
    expect(await server.http.authenticate(new Headers({ cookie: `portcullis_session=${first.token}` }), CLIENT, ['session'])).toBeNull();
    const revoked = (await auditOf('session.revoked', userId)).filter((record) => record.actorId === 'cli');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ ip: '127.0.0.1', userAgent: 'portcullis-cli', detail: { sessionId: '*all*', by: 'admin' } });
  });
});
