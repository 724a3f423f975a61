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
  disable: { options: [...STORE], id: true },
  enable: { options: [...STORE], id: true },
  rotate: { options: [...STORE, ...HASHING, 'grace'], id: true },
  migrate: { options: ['store', 'schema', 'table', 'audit', 'audit-table'], id: false },
  sweep: { options: [...STORE, 'expiring', 'unused', 'action'], id: false },
  credits: {
    options: [...STORE, 'owner', 'key', 'remaining', 'refill', 'refill-at', 'amount'],
    id: false,
    actions: ['get', 'set', 'add'],
  },
  audit: { options: [...STORE, 'key', 'owner', 'since', 'until', 'limit', 'cursor', 'audit-table'], id: false },
  scan: { options: [], id: false, paths: true },
} as const satisfies Record<
  string,
  { options: readonly OptionName[]; id: boolean; actions?: readonly string[]; paths?: boolean }
>;

/** A command name. */
export type CommandName = keyof typeof COMMANDS;

/** Parsed option values. */
export type Values = Partial<Record<OptionName, string | boolean>>;

/** A parsed command line. */
export interface Invocation {
  readonly command: CommandName | 'help';
  readonly values: Values;
  /** The key id of `revoke`, `disable`, `enable` and `rotate`. */
  readonly id: string;
  /** The action of a command that has them (`credits get|set|add`), else ''. */
  readonly action: string;
  /** The paths of `scan` (one or more); empty for the other commands. */
  readonly paths: readonly string[];
}

/** Parses argv (without `node` and the script). Throws a usage error. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw usage('A command is required.');
  if (first === '--help' || first === '-h' || first === 'help') {
    return { command: 'help', values: {}, id: '', action: '', paths: [] };
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
  if (parsed.values.help) return { command: 'help', values: {}, id: '', action: '', paths: [] };
  const actions: readonly string[] | undefined = 'actions' in spec ? spec.actions : undefined;
  if (actions !== undefined) {
    const [action, ...extra] = parsed.positionals;
    if (action === undefined || !actions.includes(action) || extra.length > 0) {
      throw usage(`${command} takes one of ${actions.join(', ')}.`);
    }
    return { command, values: parsed.values as Values, id: '', action, paths: [] };
  }
  if ('paths' in spec) {
    if (parsed.positionals.length === 0) throw usage(`${command} takes one or more paths.`);
    return { command, values: parsed.values as Values, id: '', action: '', paths: parsed.positionals };
  }
  const wanted = spec.id ? 1 : 0;
  if (parsed.positionals.length !== wanted) {
    const hint = command === 'hash' ? ' (it reads the key from stdin, never from arguments)' : '';
    throw usage(spec.id ? `${command} takes exactly one key id.` : `${command} takes no arguments${hint}.`);
  }
  return { command, values: parsed.values as Values, id: parsed.positionals[0] ?? '', action: '', paths: [] };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as `90s`, `15m`, `1h`, `30d`, `2w` (or `0`) in ms. Throws a usage error. */
export function parseDuration(option: string, text: string): number {
  if (text === '0') return 0;
  const match = /^([1-9][0-9]{0,9})(ms|s|m|h|d|w)$/.exec(text);
  if (match === null) throw usage(`--${option} must be a duration such as 90s, 15m, 1h, 30d or 2w.`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
