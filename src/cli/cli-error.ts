/**
 * The error the `rxllm` CLI raises for bad input or setup, with the exit code to leave with.
 * @internal
 */

/**
 * A problem the user can fix, reported as its message alone (no stack). `exitCode` is 2 for
 * usage errors (unknown flag, unknown provider, empty prompt, missing key), 1 for the rest.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A usage error: exit code 2. The message should say what to type instead. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
