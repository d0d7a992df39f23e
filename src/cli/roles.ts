/** @module `portcullis roles …` and `portcullis sessions revoke`: roles, grants, and ending a user's sessions. */
import type { Command } from 'commander';
import { CliError, UsageError } from './cli-error.ts';
import { CLI_ACTOR, CLI_CLIENT, withAdminContext } from './context.ts';
import { collect, type Env } from './options.ts';
import { writeJson, writeLine, writeTable } from './output.ts';

/** The shape `features/rbac` gives role names (not exported by index.ts); permissions follow it too. */
const NAME_SHAPE = /^[a-z][a-z0-9_.:-]{0,63}$/;

function checkName(kind: 'role' | 'permission', name: string): string {
  if (!NAME_SHAPE.test(name)) throw new UsageError(`Bad ${kind} name ${JSON.stringify(name)}: 1 to 64 of a-z 0-9 _ . : - starting with a letter`);
  return name;
}

export function registerRoleCommands(program: Command, env: Env): void {
  const roles = program.command('roles').description('create roles and grant or revoke them');

  roles
    .command('create')
    .description('create a role, or update the description and permissions of an existing one')
    .argument('<name>', 'role name, e.g. editor')
    .option('--description <text>', 'what the role is for', '')
    .option('--permission <permission>', 'a permission the role grants; repeat for several', collect, [])
    .action((name: string, flags: { description: string; permission: string[] }) =>
      withAdminContext(env, async ({ auth }) => {
        checkName('role', name);
        for (const permission of flags.permission) checkName('permission', permission);
        const outcome = await auth.admin.upsertRole(CLI_ACTOR, { name, description: flags.description, permissions: [...new Set(flags.permission)] }, CLI_CLIENT);
        writeLine(`${outcome === 'updated' ? 'Updated' : 'Created'} role ${name}${flags.permission.length > 0 ? ` (permissions: ${[...new Set(flags.permission)].join(', ')})` : ''}`);
      }),
    );

  roles
    .command('list')
    .description('list roles and their permissions')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) =>
      withAdminContext(env, async ({ auth }) => {
        const list = await auth.admin.listRoles();
        if (flags.json) return writeJson({ roles: list });
        writeTable(
          ['ROLE', 'PERMISSIONS', 'DESCRIPTION'],
          list.map((role) => [role.name, role.permissions.join(',') || '-', role.description || '-']),
        );
      }),
    );

  for (const grant of [true, false]) {
    roles
      .command(grant ? 'grant' : 'revoke')
      .description(grant ? 'give a user a role' : 'take a role from a user')
      .argument('<role>', 'role name')
      .argument('<email>', 'the user’s e-mail')
      .action((role: string, email: string) =>
        withAdminContext(env, async (context) => {
          const user = await context.findUserByEmail(email);
          if (grant) {
            if (!(await context.auth.admin.listRoles()).some((r) => r.name === role)) throw new CliError(`Unknown role ${JSON.stringify(role)}`);
            await context.auth.admin.grantRole(CLI_ACTOR, user.id, role, CLI_CLIENT);
            writeLine(`Granted ${role} to ${user.email}`);
          } else {
            if (!user.roles.includes(role)) throw new CliError(`${user.email} does not have the role ${JSON.stringify(role)}`);
            await context.auth.admin.revokeRole(CLI_ACTOR, user.id, role, CLI_CLIENT);
            writeLine(`Revoked ${role} from ${user.email}`);
          }
        }),
      );
  }
}

export function registerSessionCommands(program: Command, env: Env): void {
  program
    .command('sessions')
    .description('end sessions')
    .command('revoke')
    .description('end every session of a user (they must log in again)')
    .requiredOption('--user <email>', 'the user’s e-mail')
    .action((flags: { user: string }) =>
      withAdminContext(env, async (context) => {
        const user = await context.findUserByEmail(flags.user);
        // Audited by the flow (one `session.revoked` row, `*all*`, actor `cli`).
        const count = await context.auth.admin.revokeUserSessions(CLI_ACTOR, user.id, CLI_CLIENT);
        writeLine(`Ended ${count} session${count === 1 ? '' : 's'} of ${user.email}`);
      }),
    );
}
