// Command-line parsing for the `keygate` CLI: one table of options, the options each command
// takes, durations, and the help text (which documents the exit codes).
import { parseArgs } from 'node:util';

/** Stable exit codes of the CLI. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, notFound: 3, conflict: 4 });

/** An error that ends the CLI with a given exit code; its message is safe to print (it never holds a key). */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

const OPTIONS = {
  store: { type: 'string' },
  'key-prefix': { type: 'string' },
  schema: { type: 'string' },
  table: { type: 'string' },
  owner: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  'expires-in': { type: 'string' },
  prefix: { type: 'string' },
  grace: { type: 'string' },
  'max-keys-per-owner': { type: 'string' },
  hasher: { type: 'string' },
  'pepper-id': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
const STORE: OptionName[] = ['store', 'key-prefix', 'schema', 'table'];
const HASHING: OptionName[] = ['hasher', 'pepper-id'];

/** The commands, the options each accepts and whether it takes a key id. */
export const COMMANDS = {
  generate: { options: ['prefix', ...HASHING], id: false },
  hash: { options: [...HASHING], id: false },
  create: {
    options: [...STORE, ...HASHING, 'owner', 'name', 'scopes', 'expires-in', 'prefix', 'max-keys-per-owner'],
    id: false,
  },
  list: { options: [...STORE, 'owner', 'limit', 'cursor', 'all'], id: false },
  revoke: { options: [...STORE], id: true },
  rotate: { options: [...STORE, ...HASHING, 'grace'], id: true },
  migrate: { options: ['store', 'schema', 'table'], id: false },
} as const satisfies Record<string, { options: readonly OptionName[]; id: boolean }>;

/** A command name. */
export type CommandName = keyof typeof COMMANDS;

/** A parsed command line. */
export interface Invocation {
  readonly command: CommandName | 'help';
  readonly values: Partial<Record<OptionName, string | boolean>>;
  /** The key id of `revoke` and `rotate`. */
  readonly id: string;
}

/** Parses argv (without `node` and the script). Throws a usage CliError. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw usage('A command is required.');
  if (first === '--help' || first === '-h' || first === 'help') {
    return { command: 'help', values: {}, id: '' };
  }
  if (!Object.hasOwn(COMMANDS, first))
    throw usage(`Unknown command${/^[a-z-]{1,20}$/.test(first) ? ` "${first}"` : ''}.`);
  const command = first as CommandName;
  const spec = COMMANDS[command];
  const allowed = Object.fromEntries(
    [...spec.options, 'json', 'help'].map((name) => [name, OPTIONS[name as OptionName]]),
  );
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: allowed, strict: true, allowPositionals: true });
  } catch (error) {
    throw usage(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed.values.help) return { command: 'help', values: {}, id: '' };
  const wanted = spec.id ? 1 : 0;
  if (parsed.positionals.length !== wanted) {
    const hint = command === 'hash' ? ' (it reads the key from stdin, never from arguments)' : '';
    throw usage(spec.id ? `${command} takes exactly one key id.` : `${command} takes no arguments${hint}.`);
  }
  return { command, values: parsed.values as Invocation['values'], id: parsed.positionals[0] ?? '' };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as `90s`, `15m`, `1h`, `30d`, `2w` (or `0`) in ms. Throws a usage CliError. */
export function parseDuration(option: string, text: string): number {
  if (text === '0') return 0;
  const match = /^([1-9][0-9]{0,9})(ms|s|m|h|d|w)$/.exec(text);
  if (match === null) throw usage(`--${option} must be a duration such as 90s, 15m, 1h, 30d or 2w.`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** A usage error (exit code 2). */
export function usage(message: string): CliError {
  return new CliError(EXIT.usage, message);
}

/** The text of `keygate --help`. */
export const HELP = `Usage: keygate <command> [options]

Commands:
  generate [--prefix P]            Mint a key offline: print it, its id and the hash a store would keep.
  hash                             Read a key from stdin (never from arguments: they land in shell
                                   history) and print the hash a store would keep for it.
  create --owner O --name N        Create a key in the store and print it, once.
         [--scopes a,b] [--expires-in 30d] [--prefix P] [--max-keys-per-owner N]
  list --owner O                   List an owner's active keys, oldest first (never a hash or a key).
       [--all] [--limit N] [--cursor C]   --all: revoked and expired ones too; pages of --limit
                                   (default 100, at most 1000); --cursor: the page after the one
                                   that printed it.
  revoke ID                        Revoke a key for good.
  rotate ID [--grace 1h]           Replace a key; the old one keeps working for the grace period
                                   (default 0: revoked at once; at most 7d). Prints the new key, once.
  migrate                          Create the PostgreSQL table and index (idempotent).

Store (create, list, revoke, rotate, migrate):
  --store URL          redis://… or rediss://… (RedisStore), postgres://… or postgresql://…
                       (PostgresStore). Default: the KEYGATE_STORE environment variable, which
                       keeps passwords out of shell history.
  --key-prefix P       Redis key prefix (default keygate:).
  --schema S           PostgreSQL schema (default public); --table T (default keygate_keys).

Hashing (generate, hash, create, rotate): must match your application's hasher.
  --hasher H           hmac-sha256 (default, as in createKeygate), whose pepper is read from
                       the KEYGATE_PEPPER environment variable (never from arguments), or scrypt.
  --pepper-id ID       Pepper id of hmac-sha256 (default: default).

Other options:
  --prefix P           Key prefix (default kg); must be one your application accepts.
  --json               Machine-readable output on stdout.
  -h, --help           This help.

Durations: a whole number and a unit: ms, s, m, h, d, w (e.g. 90s, 1h, 30d); 0 for none.

Exit codes:
  0  success
  1  the operation failed (store unreachable, unexpected error)
  2  usage error (unknown command or option, missing or invalid value)
  3  not found (no key with that id)
  4  conflict or limit (key revoked, expired or already rotated, or changed meanwhile; owner at
     its key cap)

Errors go to stderr and never contain a key.
`;
