// The commands of the `keygate` CLI. Plaintext keys go to stdout only (from generate, create and
// rotate); lifecycle work goes through KeyManager, so a store sees exactly what an app would write.
import { keyJson } from '../management/input.js';
import { type Invocation, parseDuration, usage } from './args.js';
import { type CliIo, printer, status, text, until, type Values } from './io.js';
import { generate, hash, hasherOf } from './offline.js';
import { existingKey, keygateOver, openStoreOf, storeUrlOf, withStore } from './stores.js';

/** Runs one parsed command. Throws CliError or KeygateError on failure. */
export async function runCommand({ command, values, id }: Invocation, io: CliIo): Promise<void> {
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
      return revoke(values, io, id);
    case 'rotate':
      return rotate(values, io, id);
    case 'migrate':
      return migrate(values, io);
    case 'help':
      return;
  }
}

async function create(values: Values, io: CliIo): Promise<void> {
  const owner = required(values, 'owner');
  const name = required(values, 'name');
  const scopes = text(values.scopes)
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const expiresIn = values['expires-in'] === undefined ? undefined : duration(values, 'expires-in', false);
  const cap = text(values['max-keys-per-owner']);
  if (cap !== undefined && !/^[1-9][0-9]{0,8}$/.test(cap))
    throw usage('--max-keys-per-owner must be a positive integer.');
  const setup = {
    hasher: hasherOf(values, io),
    prefix: text(values.prefix),
    maxKeysPerOwner: cap === undefined ? undefined : Number(cap),
  };
  await withStore(values, io, async (store) => {
    const { key, apiKey } = await keygateOver(store, setup).keys.create({ name, owner, scopes, expiresIn });
    printer(values, io)(
      { key, apiKey: keyJson(apiKey) },
      `Created key ${apiKey.id} (${JSON.stringify(name)}) for ${owner}${until(apiKey)}.\n` +
        `It is shown this once; store it safely now:\n${key}\n`,
    );
  });
}

async function list(values: Values, io: CliIo): Promise<void> {
  const owner = required(values, 'owner');
  const limit = text(values.limit);
  if (limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(limit))
    throw usage('--limit must be an integer from 1 to 1000.');
  const options = {
    limit: limit === undefined ? undefined : Number(limit),
    cursor: text(values.cursor),
    state: values.all === true ? ('all' as const) : ('active' as const),
  };
  await withStore(values, io, async (store) => {
    const { keys, nextCursor } = await keygateOver(store).keys.list(owner, options);
    const lines = keys.map((k) => `${k.id}  ${status(k).padEnd(9)}${k.name}  [${k.scopes.join(' ')}]${until(k)}\n`);
    const none = `No ${options.state === 'all' ? '' : 'active '}keys for ${owner}${options.cursor ? ' on this page' : ''}.\n`;
    const more = nextCursor === null ? '' : `More keys: add --cursor ${nextCursor}\n`;
    printer(values, io)({ keys: keys.map(keyJson), nextCursor }, (keys.length === 0 ? none : lines.join('')) + more);
  });
}

async function revoke(values: Values, io: CliIo, id: string): Promise<void> {
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const before = await existingKey(keygate, id);
    const revoked = await keygate.keys.revoke(id);
    const when = revoked.revokedAt?.toISOString();
    printer(values, io)(
      { apiKey: keyJson(revoked) },
      before.revokedAt === null
        ? `Revoked key ${id} (owner ${revoked.owner}) at ${when}.\n`
        : `Key ${id} was already revoked, at ${when}.\n`,
    );
  });
}

async function rotate(values: Values, io: CliIo, id: string): Promise<void> {
  const gracePeriodMs = values.grace === undefined ? 0 : duration(values, 'grace', true);
  const hasher = hasherOf(values, io);
  await withStore(values, io, async (store) => {
    const old = await existingKey(keygateOver(store), id);
    // The replacement keeps the old key's prefix, so the application accepts it as it did the old one.
    const keygate = keygateOver(store, { hasher, prefix: old.prefix });
    const { key, apiKey, previous } = await keygate.keys.rotate(id, { gracePeriodMs });
    const fate =
      previous.revokedAt !== null ? 'is revoked' : `keeps working until ${previous.expiresAt?.toISOString()}`;
    printer(values, io)(
      { key, apiKey: keyJson(apiKey), previous: keyJson(previous) },
      `Rotated key ${id} to ${apiKey.id}; the old key ${fate}.\n` +
        `The new key is shown this once; store it safely now:\n${key}\n`,
    );
  });
}

async function migrate(values: Values, io: CliIo): Promise<void> {
  if (/^rediss?:/i.test(storeUrlOf(values, io) ?? ''))
    throw usage('migrate is for PostgreSQL stores: Redis needs none.');
  const opened = await openStoreOf(values, io);
  try {
    await opened.migrate?.();
  } finally {
    await opened.close();
  }
  printer(values, io)({ migrated: true }, 'The key table and its index are in place.\n');
}

function required(values: Values, name: 'owner' | 'name'): string {
  const value = text(values[name]);
  if (value === undefined || value === '') throw usage(`--${name} is required.`);
  return value;
}

function duration(values: Values, name: 'expires-in' | 'grace', zero: boolean): number {
  const ms = parseDuration(name, text(values[name]) ?? '');
  if (ms === 0 && !zero) throw usage(`--${name} must be longer than 0.`);
  return ms;
}
