/**
 * @module `portcullis`: the command line (compiled to dist/cli/main.js; see bin/portcullis.mjs). Every command
 * reads its configuration from the environment as `npm start` does. Exit codes: 0 ok, 1 failure,
 * 2 usage; errors are one line on stderr, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, isAuthError } from '../index.ts';
import { CliError, EXIT } from './cli-error.ts';
import { registerDoctorCommand } from './doctor.ts';
import { registerImportCommand } from './import-users.ts';
import type { Env } from './options.ts';
import { registerRoleCommands, registerSessionCommands } from './roles.ts';
import { registerServerCommands } from './serve.ts';
import { registerUserCommands } from './users.ts';

/** The package's version: `../package.json` in the published package (and dist/), `../../package.json` from src/. */
function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      // not there: try the next
    }
  }
  return '0.0.0';
}

export function createProgram(env: Env): Command {
  const program = new Command('portcullis')
    .description('Portcullis: serve, migrate, manage users and roles, import users, and check a deployment (doctor).')
    .version(packageVersion())
    // Usage errors surface as CommanderError (exit 2) instead of commander's own exit(1).
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerServerCommands(program, env);
  registerUserCommands(program, env);
  registerRoleCommands(program, env);
  registerSessionCommands(program, env);
  registerImportCommand(program, env);
  registerDoctorCommand(program, env);
  return program;
}

/** One line for the user: what went wrong, and for bad input, which field and why. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT.failure };
  if (isAuthError(error)) {
    const fields = error.fields ? Object.entries(error.fields).map(([field, text]) => `${field}: ${text}`) : [];
    const message = error.code === 'NOT_FOUND' ? 'Not found' : fields.length > 0 ? fields.join('; ') : error.message;
    return { message, exitCode: EXIT.failure };
  }
  const message = error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
  return { message: `Failed: ${message}`, exitCode: EXIT.failure };
}

/** Runs the command line and returns the exit code. */
export async function runCli(argv: readonly string[], env: Env): Promise<number> {
  try {
    await createProgram(env).parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const { message, exitCode } = describeError(error);
    process.stderr.write(`error: ${message}\n`);
    return exitCode;
  }
}

process.exit(await runCli(process.argv.slice(2), process.env));
