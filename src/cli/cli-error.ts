/** @module The CLI's one error type: a message for one line on stderr and the exit code to leave with. */

/** Exit codes of every command: 0 ok, 1 failure (including findings of severity error), 2 usage. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

/** A failure the user can act on: printed as one line, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong flags or arguments: exit code 2, like commander's own parse errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
