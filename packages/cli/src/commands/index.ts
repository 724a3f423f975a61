// The commands of the `keygate` CLI. Plaintext keys go to stdout only (from generate, create and
// rotate); lifecycle work goes through KeyManager, so a store sees exactly what an app would write.
import type { Invocation } from '../command-line.js';
import { EXIT } from '../exit.js';
import type { CliIo } from '../io.js';
import { audit } from './audit.js';
import { create } from './create.js';
import { credits } from './credits.js';
import { disable, enable } from './disable.js';
import { generate } from './generate.js';
import { hash } from './hash.js';
import { list } from './list.js';
import { migrate } from './migrate.js';
import { revoke } from './revoke.js';
import { rotate } from './rotate.js';
import { scan } from './scan.js';
import { sweep } from './sweep.js';

/** Runs one parsed command and returns its exit code (`scan` answers 1 when it finds keys). Throws a KeygateError on failure. */
export async function runCommand(invocation: Invocation, io: CliIo): Promise<number> {
  if (invocation.command === 'scan') return scan(invocation.values, io, invocation.args);
  await run(invocation, io);
  return EXIT.ok;
}

async function run({ command, values, args }: Invocation, io: CliIo): Promise<void> {
  // The one argument of the commands that take one (a key id, or an action), as parseCommandLine checked it.
  const [arg = ''] = args;
  switch (command) {
    case 'generate':
      return generate(values, io);
    case 'hash':
      return hash(values, io);
    case 'create':
      return create(values, io);
    case 'list':
      return list(values, io);
    case 'revoke':
      return revoke(values, io, arg);
    case 'disable':
      return disable(values, io, arg);
    case 'enable':
      return enable(values, io, arg);
    case 'rotate':
      return rotate(values, io, arg);
    case 'migrate':
      return migrate(values, io);
    case 'sweep':
      return sweep(values, io);
    case 'audit':
      return audit(values, io);
    case 'credits':
      return credits(values, io, arg);
    case 'scan':
    case 'help':
      return;
  }
}
