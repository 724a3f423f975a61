// One run of the CLI: parse, run the command, and turn a failure into a redacted message and an exit code.
import { isKeygateError } from '@keygate/core';
import { parseCommandLine } from './command-line.js';
import { runCommand } from './commands/index.js';
import { EXIT } from './exit.js';
import { HELP } from './help.js';
import type { CliIo } from './io.js';
import { redact } from './redact.js';

/** Runs the CLI on argv (without `node` and the script) and returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const invocation = parseCommandLine(argv);
    if (invocation.command === 'help') {
      io.out(HELP);
      return EXIT.ok;
    }
    return await runCommand(invocation, io);
  } catch (error) {
    const { code, message } = describe(error);
    io.err(`keygate: ${redact(message)}\n`);
    if (code === EXIT.usage) io.err('Run "keygate --help" for usage.\n');
    return code;
  }
}

// The exit code and message of a failure. KeygateError messages never hold a key; other errors'
// messages (from drivers) are redacted by the caller all the same.
function describe(error: unknown): { code: number; message: string } {
  if (isKeygateError(error)) {
    switch (error.code) {
      case 'not_found':
        return { code: EXIT.notFound, message: error.message };
      case 'conflict':
      case 'limit_exceeded':
        return { code: EXIT.conflict, message: error.message };
      case 'store_unavailable':
        return { code: EXIT.failed, message: `the store failed: ${error.message}` };
      case 'busy':
        return { code: EXIT.failed, message: error.message };
      default:
        return { code: EXIT.usage, message: error.message };
    }
  }
  return { code: EXIT.failed, message: `the operation failed: ${messageOf(error)}` };
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(messageOf))].join('; ');
  }
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return 'unknown error';
}
