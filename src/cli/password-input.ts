/**
 * @module Where a new password comes from: stdin (`--password-stdin`, for scripts), a hidden
 * prompt (a terminal), or `--password` (discouraged: shell history and the process list). The
 * password is never echoed or printed.
 */
import { CliError, UsageError } from './cli-error.ts';
import { writeWarning } from './output.ts';

export interface PasswordFlags {
  readonly password?: string;
  readonly passwordStdin?: boolean;
}

/** All of stdin, less one trailing newline (what `echo` and here-strings add). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CliError('Cancelled', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readNewPassword(flags: PasswordFlags): Promise<string> {
  if (flags.password !== undefined && flags.passwordStdin) throw new UsageError('Give either --password or --password-stdin, not both');
  if (flags.passwordStdin) {
    const password = await readStdin();
    if (password === '') throw new UsageError('--password-stdin: stdin was empty');
    return password;
  }
  if (flags.password !== undefined) {
    writeWarning('--password leaves the password in your shell history and the process list; prefer --password-stdin');
    return flags.password;
  }
  if (!process.stdin.isTTY) throw new UsageError('No password given: use --password-stdin (or run in a terminal to be prompted)');
  const first = await promptHidden('New password: ');
  const second = await promptHidden('Repeat it: ');
  if (first !== second) throw new CliError('The two passwords differ');
  return first;
}
