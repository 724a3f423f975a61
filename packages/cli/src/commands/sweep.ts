import type { ApiKey, KeyPage } from '@keygate/core';
import { parseDuration, type Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { keygateOver } from '../keygate.js';
import { text } from '../options.js';
import { withStore } from '../store.js';

const ACTIONS = ['report', 'revoke', 'disable'] as const;
type Action = (typeof ACTIONS)[number];

// What a sweep shows of a key: never the key or its hash, nor scopes or metadata.
function shown(key: ApiKey) {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    id: key.id,
    owner: key.owner,
    name: key.name,
    createdAt: iso(key.createdAt),
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
  };
}

/**
 * `sweep --expiring D | --unused D [--action report|revoke|disable]`: the active keys of every
 * owner expiring within D, or not used for D (never used and created before then included),
 * reported, or revoked or disabled one by one through the key lifecycle (its events included).
 */
export async function sweep(values: Values, io: CliIo): Promise<void> {
  const expiring = text(values.expiring);
  const unused = text(values.unused);
  if ((expiring === undefined) === (unused === undefined)) throw usage('sweep takes one of --expiring or --unused.');
  const option = expiring === undefined ? 'unused' : 'expiring';
  const span = parseDuration(option, (expiring ?? unused) as string);
  if (span === 0) throw usage(`--${option} must be longer than 0.`);
  const action = (text(values.action) ?? 'report') as Action;
  if (!ACTIONS.includes(action)) throw usage('--action must be report, revoke or disable.');
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const page = (cursor: string | null): Promise<KeyPage> =>
      option === 'expiring'
        ? keygate.keys.findExpiring(span, { limit: 100, cursor })
        : keygate.keys.findUnused(span, { limit: 100, cursor });
    const found: ApiKey[] = [];
    let cursor: string | null = null;
    do {
      const result = await page(cursor);
      for (const key of result.keys) {
        if (action === 'revoke') await keygate.keys.revoke(key.id);
        if (action === 'disable') await keygate.keys.disable(key.id);
        found.push(key);
      }
      cursor = result.nextCursor;
    } while (cursor !== null);
    const what = option === 'expiring' ? `expiring within ${expiring}` : `unused for ${unused}`;
    const verb = { report: '', revoke: 'Revoked ', disable: 'Disabled ' }[action];
    const lines = found.map((k) => {
      const last = k.lastUsedAt === null ? 'never used' : `last used ${k.lastUsedAt.toISOString()}`;
      const expiry = k.expiresAt === null ? '' : `, expires ${k.expiresAt.toISOString()}`;
      return `${verb}${k.id}  ${k.owner}  ${k.name}  (${last}${expiry})\n`;
    });
    const summary = found.length === 0 ? `No keys ${what}.\n` : `${found.length} key(s) ${what}.\n`;
    printer(values, io)({ action, keys: found.map(shown) }, lines.join('') + summary);
  });
}
