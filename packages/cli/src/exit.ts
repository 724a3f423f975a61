// The CLI's exit codes and the error of a bad command line. Every failure is a KeygateError:
// run.ts maps its code to an exit code.
import { KeygateError } from '@keygate/core';

/** Stable exit codes of the CLI (documented in `keygate --help`). `keysFound`: `scan` found keys (a failure, as 1). */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, notFound: 3, conflict: 4, keysFound: 1 });

/** A usage error (`invalid_input`, exit code 2); its message is printed as it is, so it must never hold a key. */
export function usage(message: string): KeygateError {
  return new KeygateError('invalid_input', message);
}
