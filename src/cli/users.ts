/** @module `portcullis users …`: create, list, activate, deactivate, set-password. */
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { CLI_ACTOR, CLI_CLIENT, withAdminContext } from './context.ts';
import { collect, parseCount, type Env } from './options.ts';
import { formatTime, writeJson, writeLine, writeTable } from './output.ts';
import { readNewPassword, type PasswordFlags } from './password-input.ts';

interface CreateFlags extends PasswordFlags {
  readonly email: string;
  readonly username?: string;
  readonly role: string[];
}

interface ListFlags {
  readonly search?: string;
  readonly limit: number;
  readonly offset: number;
  readonly json?: boolean;
}

export function registerUserCommands(program: Command, env: Env): void {
  const users = program.command('users').description('create, list and manage user accounts');

  users
    .command('create')
    .description('create a user (the password policy applies; no session is made)')
    .requiredOption('--email <email>', 'e-mail address')
    .option('--username <username>', 'optional username (3 to 32 letters, digits, _ . -)')
    .option('--password-stdin', 'read the password from stdin (for scripts)')
    .option('--password <password>', 'the password (discouraged: shell history); without either flag a terminal prompts')
    .option('--role <role>', 'grant this role; repeat for several', collect, [])
    .action((flags: CreateFlags) =>
      withAdminContext(env, async ({ auth }) => {
        // Unknown roles are refused before the account exists, so a typo leaves nothing half-made.
        const known = new Set((await auth.admin.listRoles()).map((role) => role.name));
        const unknown = flags.role.filter((role) => !known.has(role));
        if (unknown.length > 0) throw new CliError(`Unknown role ${unknown.map((r) => JSON.stringify(r)).join(', ')} (create it first: portcullis roles create NAME)`);
        const password = await readNewPassword(flags);
        const user = await auth.admin.createUser({ email: flags.email, username: flags.username ?? null, password }, CLI_CLIENT);
        for (const role of flags.role) await auth.admin.grantRole(CLI_ACTOR, user.id, role, CLI_CLIENT);
        const roles = [...new Set([...user.roles, ...flags.role])];
        writeLine(`Created user ${user.email} (id ${user.id}${roles.length > 0 ? `, roles: ${roles.join(', ')}` : ''})`);
      }),
    );

  users
    .command('list')
    .description('list users, newest first')
    .option('--search <text>', 'only users whose e-mail or username contains this')
    .option('--limit <n>', 'at most this many users', parseCount('--limit'), 100)
    .option('--offset <n>', 'skip this many users', parseCount('--offset', 0), 0)
    .option('--json', 'print JSON')
    .action((flags: ListFlags) =>
      withAdminContext(env, async ({ auth }) => {
        const page = await auth.admin.listUsers({ ...(flags.search ? { search: flags.search } : {}), offset: flags.offset, limit: flags.limit });
        if (flags.json) {
          writeJson({
            users: page.rows.map(({ user, createdAtMs, lastLoginAtMs }) => ({
              ...user,
              createdAt: new Date(createdAtMs).toISOString(),
              lastLoginAt: lastLoginAtMs === null ? null : new Date(lastLoginAtMs).toISOString(),
            })),
            total: page.total,
          });
          return;
        }
        writeTable(
          ['EMAIL', 'USERNAME', 'ROLES', 'ACTIVE', 'CREATED', 'LAST LOGIN'],
          page.rows.map(({ user, createdAtMs, lastLoginAtMs }) => [
            user.email,
            user.username ?? '-',
            user.roles.join(',') || '-',
            user.active ? 'yes' : 'no',
            formatTime(createdAtMs),
            formatTime(lastLoginAtMs),
          ]),
        );
        writeLine(`${page.rows.length} of ${page.total} user${page.total === 1 ? '' : 's'}`);
      }),
    );

  for (const active of [true, false]) {
    users
      .command(active ? 'activate' : 'deactivate')
      .description(active ? 'let the user log in again' : 'refuse the user’s logins and end every session and token now')
      .argument('<email>', 'the user’s e-mail')
      .action((email: string) =>
        withAdminContext(env, async (context) => {
          const user = await context.findUserByEmail(email);
          await context.auth.admin.setUserActive(CLI_ACTOR, user.id, active, CLI_CLIENT);
          writeLine(`${active ? 'Activated' : 'Deactivated'} ${user.email}${active ? '' : ' (every session and token ended)'}`);
        }),
      );
  }

  users
    .command('set-password')
    .description('set a user’s password (the policy applies); every session and token of the user ends')
    .argument('<email>', 'the user’s e-mail')
    .option('--password-stdin', 'read the password from stdin (for scripts)')
    .option('--password <password>', 'the password (discouraged: shell history); without either flag a terminal prompts')
    .action((email: string, flags: PasswordFlags) =>
      withAdminContext(env, async (context) => {
        const user = await context.findUserByEmail(email);
        const password = await readNewPassword(flags);
        await context.auth.admin.setPassword(user.id, password, CLI_CLIENT);
        writeLine(`Password set for ${user.email}; every session and token of the user ended`);
      }),
    );
}
