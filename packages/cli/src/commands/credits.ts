import {
  type CreditRefill,
  type Credits,
  type CreditsInput,
  type CreditsOf,
  creditsToJson,
  type Keygate,
} from '@keygate/core';
import { parseDuration, type Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { existingKey, keygateOver } from '../keygate.js';
import { text } from '../options.js';
import { withStore } from '../store.js';

/**
 * `credits get|set|add --owner O | --key ID`: reads an allowance, replaces it (`--remaining N`,
 * optionally `--refill AMOUNT/INTERVAL` and `--refill-at N`), or adds to it (`--amount N`, negative
 * takes away).
 */
export async function credits(values: Values, io: CliIo, action: string): Promise<void> {
  const input = action === 'set' ? setInput(values) : undefined;
  const amount = action === 'add' ? whole(values, 'amount', true) : undefined;
  await withStore(values, io, async (store) => {
    const keygate = keygateOver(store);
    const { of, label } = await targetOf(values, keygate);
    let result: Credits | null;
    if (input !== undefined) result = await keygate.credits.set(of, input);
    else if (amount !== undefined) result = await keygate.credits.add(of, amount);
    else result = await keygate.credits.get(of);
    printer(values, io)({ credits: creditsToJson(result) }, `${label}: ${describe(result)}\n`);
  });
}

// `--owner O` or `--key ID` (a key id, never a whole key: existingKey refuses one without echoing it).
async function targetOf(values: Values, keygate: Keygate): Promise<{ of: CreditsOf; label: string }> {
  const owner = text(values.owner);
  const key = text(values.key);
  if ((owner === undefined) === (key === undefined)) throw usage('credits takes one of --owner or --key.');
  if (owner !== undefined) {
    if (owner === '') throw usage('--owner must not be empty.');
    return { of: { owner }, label: `Owner ${owner}` };
  }
  const found = await existingKey(keygate, key as string);
  return { of: { keyId: found.id }, label: `Key ${found.id} (owner ${found.owner})` };
}

function setInput(values: Values): CreditsInput {
  const remaining = whole(values, 'remaining', false);
  const refill = text(values.refill);
  if (refill === undefined) {
    if (values['refill-at'] !== undefined) throw usage('--refill-at needs --refill.');
    return { remaining };
  }
  const match = /^([1-9][0-9]{0,15})\/(day|month|[0-9]+(?:ms|s|m|h|d|w))$/.exec(refill);
  if (match === null) throw usage('--refill must be AMOUNT/INTERVAL, e.g. 10000/month, 500/day or 100/1h.');
  const unit = match[2] as string;
  const interval: CreditRefill['interval'] = unit === 'day' || unit === 'month' ? unit : parseDuration('refill', unit);
  const at = values['refill-at'] === undefined ? undefined : whole(values, 'refill-at', false);
  return { remaining, refill: { amount: Number(match[1]), interval, ...(at === undefined ? {} : { at }) } };
}

// A whole number option (negative where allowed); the value itself is checked by keygate.
function whole(values: Values, name: 'remaining' | 'amount' | 'refill-at', negative: boolean): number {
  const value = text(values[name]);
  const pattern = negative ? /^-?[0-9]{1,16}$/ : /^[0-9]{1,16}$/;
  if (value === undefined || !pattern.test(value)) {
    throw usage(`--${name} must be a whole number${negative ? ' (--amount=-5 takes away)' : ''}.`);
  }
  return Number(value);
}

function describe(result: Credits | null): string {
  if (result === null) return 'no credit allowance (not metered).';
  const { refill, refillAt } = result;
  const when = refill === null || refillAt === null ? '' : `; refills to ${refill.amount} at ${refillAt.toISOString()}`;
  return `${result.remaining} credits left${when}.`;
}
