// Command-line parsing for the `keygate` CLI: one table of options, the options each command
// takes, and durations.
import { parseArgs } from 'node:util';
import { usage } from './exit.js';

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
  expiring: { type: 'string' },
  unused: { type: 'string' },
  action: { type: 'string' },
  key: { type: 'string' },
  remaining: { type: 'string' },
  refill: { type: 'string' },
  'refill-at': { type: 'string' },
  amount: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'audit-table': { type: 'string' },
  audit: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
const STORE: OptionName[] = ['store', 'key-prefix', 'schema', 'table'];
const HASHING: OptionName[] = ['hasher', 'pepper-id'];

/**
 * What a command takes after its name: nothing, one key id, one of its `actions` (e.g.
 * `credits get`), or one or more paths.
 */
type Positionals = 'none' | 'id' | 'paths' | { readonly actions: readonly string[] };

/** The commands, the options each accepts and what it takes after its name. */
export const COMMANDS = {
  generate: { options: ['prefix', ...HASHING], takes: 'none' },
  hash: { options: [...HASHING], takes: 'none' },
  create: {
    options: [...STORE, ...HASHING, 'owner', 'name', 'scopes', 'expires-in', 'prefix', 'max-keys-per-owner'],
    takes: 'none',
  },
  list: { options: [...STORE, 'owner', 'limit', 'cursor', 'all'], takes: 'none' },
  revoke: { options: [...STORE], takes: 'id' },
  disable: { options: [...STORE], takes: 'id' },
  enable: { options: [...STORE], takes: 'id' },
  rotate: { options: [...STORE, ...HASHING, 'grace'], takes: 'id' },
  migrate: { options: ['store', 'schema', 'table', 'audit', 'audit-table'], takes: 'none' },
  sweep: { options: [...STORE, 'expiring', 'unused', 'action'], takes: 'none' },
  credits: {
    options: [...STORE, 'owner', 'key', 'remaining', 'refill', 'refill-at', 'amount'],
    takes: { actions: ['get', 'set', 'add'] },
  },
  audit: { options: [...STORE, 'key', 'owner', 'since', 'until', 'limit', 'cursor', 'audit-table'], takes: 'none' },
  scan: { options: [], takes: 'paths' },
} as const satisfies Record<string, { options: readonly OptionName[]; takes: Positionals }>;

/** A command name. */
export type CommandName = keyof typeof COMMANDS;

/** Parsed option values. */
export type Values = Partial<Record<OptionName, string | boolean>>;

/** A parsed command line. */
export interface Invocation {
  readonly command: CommandName | 'help';
  readonly values: Values;
  /**
   * What followed the command's name, as its spec allows: the key id of `revoke`, `disable`,
   * `enable` and `rotate`, the action of `credits`, the paths of `scan`; empty otherwise.
   */
  readonly args: readonly string[];
}

const HELP: Invocation = Object.freeze({ command: 'help', values: {}, args: [] });

/** Parses argv (without `node` and the script). Throws a usage error. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw usage('A command is required.');
  if (first === '--help' || first === '-h' || first === 'help') return HELP;
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
  if (parsed.values.help) return HELP;
  checkPositionals(command, spec.takes, parsed.positionals);
  return { command, values: parsed.values as Values, args: parsed.positionals };
}

// Throws a usage error unless `args` is what the command takes.
function checkPositionals(command: CommandName, takes: Positionals, args: readonly string[]): void {
  if (takes === 'paths') {
    if (args.length === 0) throw usage(`${command} takes one or more paths.`);
  } else if (takes === 'id') {
    if (args.length !== 1) throw usage(`${command} takes exactly one key id.`);
  } else if (takes === 'none') {
    const hint = command === 'hash' ? ' (it reads the key from stdin, never from arguments)' : '';
    if (args.length !== 0) throw usage(`${command} takes no arguments${hint}.`);
  } else if (args.length !== 1 || !takes.actions.includes(args[0] as string)) {
    throw usage(`${command} takes one of ${takes.actions.join(', ')}.`);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as `90s`, `15m`, `1h`, `30d`, `2w` (or `0`) in ms. Throws a usage error. */
export function parseDuration(option: string, text: string): number {
  if (text === '0') return 0;
  const match = /^([1-9][0-9]{0,9})(ms|s|m|h|d|w)$/.exec(text);
  if (match === null) throw usage(`--${option} must be a duration such as 90s, 15m, 1h, 30d or 2w.`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
