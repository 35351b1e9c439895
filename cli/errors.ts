/**
 * Errors the CLI reports as one line and a non-zero exit, without a stack trace: a bad flag or
 * value, a missing optional dependency. Anything else is a bug and is printed in full.
 */

/** A mistake of the user's or of their set-up, told in one line that says what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
