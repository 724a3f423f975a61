// The credit routes: a key's allowance read, set, topped up or removed through the management
// routes, on the caller's behalf (keygate.credits with the caller as actor: it gives no more than it
// has and never changes its own allowance or its owner's), and the caller's own in GET /keys/self.
import type { CreditRefill } from '../credits/allowance.js';
import type { Credits, CreditsInput } from '../credits/manager.js';
import { isKeygateError } from '../errors.js';
import type { KeygateResponse } from '../http/response.js';
import type { ApiKey } from '../key/record.js';
import { jsonResponse } from './http.js';
import { objectBody } from './input.js';
import type { RouteContext } from './route-context.js';

const SET_FIELDS: ReadonlySet<string> = new Set(['remaining', 'refill']);
const ADD_FIELDS: ReadonlySet<string> = new Set(['add']);

/** An allowance as JSON: `{ remaining, refill, refillAt }` (an ISO date), or null. */
export function creditsJson(credits: Credits | null) {
  if (credits === null) return null;
  return { remaining: credits.remaining, refill: credits.refill, refillAt: credits.refillAt?.toISOString() ?? null };
}

/** The allowances a key spends from: its owner's and its own (null for none, or a store that keeps none). */
export async function spendingJson(c: RouteContext, key: ApiKey) {
  const { credits } = c.options.keygate;
  const read = (of: Parameters<typeof credits.get>[0]) =>
    credits.get(of, { context: c.context }).then(creditsJson, (error: unknown) => {
      if (isKeygateError(error, 'invalid_options')) return null; // the store keeps no allowances
      throw error;
    });
  return { owner: await read({ owner: key.owner }), key: await read({ keyId: key.id }) };
}

/** `GET /keys/:id/credits`: the key's own allowance. */
export async function getCredits(c: RouteContext, key: ApiKey): Promise<KeygateResponse> {
  const credits = await c.options.keygate.credits.get({ keyId: key.id }, { actor: c.actor, context: c.context });
  return jsonResponse(200, { credits: creditsJson(credits) });
}

/** `PUT /keys/:id/credits` with `{ remaining, refill? }`: replaces the key's own allowance. */
export async function putCredits(c: RouteContext, key: ApiKey): Promise<KeygateResponse> {
  const { remaining, refill } = objectBody(c.body, SET_FIELDS);
  const input = { remaining, refill: refill as CreditRefill | null | undefined } as CreditsInput;
  const credits = await c.options.keygate.credits.set({ keyId: key.id }, input, { actor: c.actor, context: c.context });
  return jsonResponse(200, { credits: creditsJson(credits) });
}

/** `POST /keys/:id/credits` with `{ add }`: adds to (or, negative, takes from) the key's own allowance. */
export async function addCredits(c: RouteContext, key: ApiKey): Promise<KeygateResponse> {
  const { add } = objectBody(c.body, ADD_FIELDS);
  const credits = await c.options.keygate.credits.add({ keyId: key.id }, add as number, {
    actor: c.actor,
    context: c.context,
  });
  return jsonResponse(200, { credits: creditsJson(credits) });
}

/** `DELETE /keys/:id/credits`: removes the key's own allowance (it then spends only from its owner's). */
export async function deleteCredits(c: RouteContext, key: ApiKey): Promise<KeygateResponse> {
  await c.options.keygate.credits.set({ keyId: key.id }, null, { actor: c.actor, context: c.context });
  return jsonResponse(200, { credits: null });
}
