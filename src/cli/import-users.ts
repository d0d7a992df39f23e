/**
 * @module `portcullis import-users FILE`: users from another system, with their password hashes
 * as they are. Every row is checked first (e-mail, username and hash format by the library's own
 * rules — `checkImportedUser`, registration's — then roles, duplicates in the file and in the
 * database); then the good rows are created through `auth.admin.importUser`, registration's create
 * path (audited `user.registered`). A legacy hash is verified at the user's next login and
 * replaced by argon2id then (the sign-in flow does it). Never prints a hash.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkImportedUser, emailKey, isAuthError, usernameKey, type CheckedImport } from '../index.ts';
import { CliError } from './cli-error.ts';
import { CLI_ACTOR, CLI_CLIENT, withAdminContext, type AdminContext } from './context.ts';
import { readImportRows, type ImportRow } from './import-file.ts';
import type { Env } from './options.ts';
import { writeJson, writeLine } from './output.ts';

interface ValidRow {
  readonly email: string;
  readonly emailKey: string;
  readonly username: string | null;
  readonly usernameKey: string | null;
  readonly passwordHash: string;
  readonly format: string;
  readonly roles: readonly string[];
}

export interface ReportLine {
  readonly where: string;
  readonly email: string | null;
  status: 'imported' | 'would-import' | 'skipped';
  format?: string;
  reason?: string;
}

type Checked = { report: ReportLine; row?: ValidRow };

function rolesOf(value: unknown): string[] | { problem: string } {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(/[\s;|,]+/) : Array.isArray(value) && value.every((r) => typeof r === 'string') ? (value as string[]) : undefined;
  if (!list) return { problem: 'roles must be a string (separated by spaces, ; or |) or an array of strings' };
  return [...new Set(list.map((r) => r.trim()).filter(Boolean))];
}

/** The problems of one row on its own (no duplicates, no database), or its clean values. */
function checkRow(row: ImportRow, knownRoles: ReadonlySet<string>): ValidRow | { problem: string } {
  if (row.shapeProblem) return { problem: `the row ${row.shapeProblem}` };
  let checked: CheckedImport;
  try {
    checked = checkImportedUser({ email: row.email, username: row.username, passwordHash: row.passwordHash });
  } catch (error) {
    if (isAuthError(error) && error.fields) return { problem: Object.values(error.fields).join('; ') };
    throw error;
  }
  const roles = rolesOf(row.roles);
  if (!Array.isArray(roles)) return roles;
  const unknown = roles.filter((role) => !knownRoles.has(role));
  if (unknown.length > 0) return { problem: `unknown role ${unknown.map((r) => JSON.stringify(r)).join(', ')}` };
  const { email, username, passwordHash, format } = checked;
  return { email, emailKey: emailKey(email), username, usernameKey: username ? usernameKey(username) : null, passwordHash, format, roles };
}

function displayEmail(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 120) : null;
}

/** Every row's verdict: per-row rules, then duplicates within the file, then accounts that exist. */
export async function checkImportRows(rows: readonly ImportRow[], context: AdminContext): Promise<Checked[]> {
  const knownRoles = new Set((await context.auth.admin.listRoles()).map((role) => role.name));
  const checked: Checked[] = rows.map((row) => {
    const verdict = checkRow(row, knownRoles);
    const report: ReportLine = { where: row.where, email: displayEmail(row.email), status: 'would-import' };
    if ('problem' in verdict) return { report: { ...report, status: 'skipped', reason: verdict.problem } };
    return { report: { ...report, format: verdict.format }, row: verdict };
  });
  // A key that appears twice is ambiguous (which hash is right?): every row carrying it is skipped.
  for (const [key, label] of [['emailKey', 'e-mail'], ['usernameKey', 'username']] as const) {
    const seen = new Map<string, Checked[]>();
    for (const entry of checked) {
      const value = entry.row?.[key];
      if (value) seen.set(value, [...(seen.get(value) ?? []), entry]);
    }
    for (const group of seen.values()) {
      if (group.length < 2) continue;
      for (const entry of group) {
        if (!entry.row) continue;
        const others = group.filter((other) => other !== entry).map((other) => other.report.where);
        skip(entry, `duplicate ${label} (also on ${others.join(', ')})`);
      }
    }
  }
  for (const entry of checked) {
    if (!entry.row) continue;
    if (await context.auth.admin.findUser({ email: entry.row.email })) skip(entry, 'an account with this e-mail already exists');
    else if (entry.row.username && (await context.auth.admin.findUser({ username: entry.row.username }))) skip(entry, 'this username is taken');
  }
  return checked;
}

function skip(entry: Checked, reason: string): void {
  entry.report.status = 'skipped';
  entry.report.reason = reason;
  delete entry.row;
}

/** Through registration's create path: the same checks again, `user.registered` emitted by the flow, then each role granted (audited). */
async function createImportedUser(context: AdminContext, row: ValidRow): Promise<void> {
  const { user } = await context.auth.admin.importUser({ email: row.email, username: row.username, passwordHash: row.passwordHash }, CLI_CLIENT);
  for (const role of row.roles) await context.auth.admin.grantRole(CLI_ACTOR, user.id, role, CLI_CLIENT);
}

function printReport(lines: readonly ReportLine[], options: { dryRun: boolean; json: boolean; notWritten: boolean }): void {
  const imported = lines.filter((line) => line.status !== 'skipped').length;
  const skipped = lines.length - imported;
  if (options.json) {
    writeJson({ dryRun: options.dryRun, imported: options.notWritten ? 0 : imported, skipped, rows: lines });
    return;
  }
  const width = Math.max(0, ...lines.map((line) => line.where.length));
  for (const line of lines) {
    const who = line.email ?? '-';
    const detail = line.status === 'skipped' ? `${who}: ${line.reason}` : `${who} (${line.format})`;
    writeLine(`${line.where.padEnd(width)}  ${line.status.padEnd(12)}  ${detail}`);
  }
  const total = `${lines.length} row${lines.length === 1 ? '' : 's'}`;
  if (options.dryRun) writeLine(`Dry run: would import ${imported}, skip ${skipped} (of ${total}); nothing was written.`);
  else if (options.notWritten) writeLine(`Nothing imported: ${skipped} of ${total} would be skipped and --all-or-nothing is set.`);
  else writeLine(`Imported ${imported}, skipped ${skipped} (of ${total}). Legacy hashes become argon2id at each user's next login.`);
}

interface ImportFlags {
  readonly dryRun?: boolean;
  readonly allOrNothing?: boolean;
  readonly json?: boolean;
}

export function registerImportCommand(program: Command, env: Env): void {
  program
    .command('import-users')
    .description('import users with password hashes from another system (CSV or JSON); exit 1 when a row is skipped')
    .argument('<file>', 'CSV with a header email,username,password_hash[,roles], or a JSON array of such objects')
    .option('--dry-run', 'check every row and print the report; write nothing')
    .option('--all-or-nothing', 'import nothing when any row would be skipped')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const rows = readImportRows(text, file);
      await withAdminContext(env, async (context) => {
        const checked = await checkImportRows(rows, context);
        const anySkipped = checked.some((entry) => entry.report.status === 'skipped');
        const write = !flags.dryRun && !(flags.allOrNothing && anySkipped);
        let failure: CliError | undefined;
        if (write) {
          for (const entry of checked) {
            if (!entry.row) continue;
            try {
              await createImportedUser(context, entry.row);
              entry.report.status = 'imported';
            } catch (error) {
              // Refused by the flow — an account created meanwhile by someone else (the registration
              // form's duplicate error): skip it. Anything else stops the import here.
              if (isAuthError(error) && error.code === 'INVALID_INPUT') {
                skip(entry, `not imported: ${error.fields ? Object.values(error.fields).join('; ') : error.message}`);
                continue;
              }
              skip(entry, 'not imported: the import stopped here');
              for (const rest of checked) if (rest.row && rest.report.status === 'would-import') skip(rest, 'not imported: the import stopped before this row');
              failure = new CliError(`Import stopped at ${entry.report.where}: ${error instanceof Error ? error.message : String(error)}`);
              break;
            }
          }
        }
        printReport(
          checked.map((entry) => entry.report),
          { dryRun: Boolean(flags.dryRun), json: Boolean(flags.json), notWritten: !write && !flags.dryRun },
        );
        if (failure) throw failure;
        if (checked.some((entry) => entry.report.status === 'skipped')) process.exitCode = 1;
      });
    });
}
