// The management routes: a table of method + path pattern, and one small handler per route.
// Every route acts through KeyManager with the caller as `actor`, so the delegation rule (see
// exceedingPower) bounds what each can see or do; changes carry the version the route read.

import { KeygateError } from '../errors.js';
import type { RequestContext } from '../events.js';
import type { KeygateResponse } from '../http/response.js';
import { isKeyId } from '../key/format.js';
import type { ApiKey } from '../key/record.js';
import type { Actor } from '../lifecycle/manager.js';
import { addCredits, deleteCredits, getCredits, putCredits, spendingJson } from './credits.js';
import { keyEventsPage } from './events.js';
import { jsonResponse } from './http.js';
import { createInput, keyJson, listQuery, noFieldsInput, rotateInput, selfJson, updateInput } from './input.js';
import type { ResolvedManagementOptions } from './options.js';
import type { RouteContext } from './route-context.js';

/** One route: `key` routes need any valid key, `manage` routes the right to manage an owner's keys. */
export interface Route {
  readonly method: string;
  readonly path: readonly string[];
  readonly access: 'key' | 'manage';
  readonly run: (c: RouteContext) => Promise<KeygateResponse>;
}

/** The routes, matched in order; `:id` matches only a well-formed key id. */
export const ROUTES: readonly Route[] = Object.freeze([
  { method: 'POST', path: ['keys'], access: 'manage', run: createKey },
  { method: 'GET', path: ['keys'], access: 'manage', run: listKeys },
  { method: 'GET', path: ['keys', 'self'], access: 'key', run: self },
  { method: 'GET', path: ['keys', ':id'], access: 'manage', run: getKey },
  { method: 'PATCH', path: ['keys', ':id'], access: 'manage', run: updateKey },
  { method: 'DELETE', path: ['keys', ':id'], access: 'manage', run: revokeKey },
  { method: 'POST', path: ['keys', ':id', 'rotate'], access: 'manage', run: rotateKey },
  { method: 'POST', path: ['keys', ':id', 'disable'], access: 'manage', run: disableKey },
  { method: 'POST', path: ['keys', ':id', 'enable'], access: 'manage', run: enableKey },
  { method: 'GET', path: ['keys', ':id', 'credits'], access: 'manage', run: onKey(getCredits) },
  { method: 'PUT', path: ['keys', ':id', 'credits'], access: 'manage', run: onKey(putCredits) },
  { method: 'POST', path: ['keys', ':id', 'credits'], access: 'manage', run: onKey(addCredits) },
  { method: 'DELETE', path: ['keys', ':id', 'credits'], access: 'manage', run: onKey(deleteCredits) },
  { method: 'GET', path: ['keys', ':id', 'events'], access: 'manage', run: keyEvents },
]);

/** The routes whose pattern matches `path` (any method), with the `:id` they captured. */
export function matchRoutes(path: string): { routes: Route[]; id: string } {
  const clean = path.split('?')[0] ?? '';
  const segments = clean
    .replace(/^\//, '')
    .replace(/(.)\/$/, '$1')
    .split('/');
  let id = '';
  const routes = ROUTES.filter((route) => {
    if (route.path.length !== segments.length) return false;
    return route.path.every((part, i) => {
      const segment = segments[i] as string;
      if (part !== ':id') return part === segment;
      if (!isKeyId(segment)) return false;
      id = segment;
      return true;
    });
  });
  return { routes, id };
}

async function createKey(c: RouteContext): Promise<KeygateResponse> {
  const input = createInput(c.body, c.owner, c.options.allowMetadata);
  const created = await c.options.keygate.keys.create(input, { context: c.context, actor: c.actor });
  return jsonResponse(201, { key: created.key, apiKey: keyJson(created.apiKey) });
}

async function listKeys(c: RouteContext): Promise<KeygateResponse> {
  const page = await c.options.keygate.keys.list(c.owner, { ...listQuery(c.query), actor: c.actor });
  return jsonResponse(200, { keys: page.keys.map(keyJson), nextCursor: page.nextCursor });
}

// The caller's key, and the allowances it spends from.
async function self(c: RouteContext): Promise<KeygateResponse> {
  const caller = c.caller as ApiKey;
  return jsonResponse(200, { apiKey: selfJson(caller), credits: await spendingJson(c, caller) });
}

async function getKey(c: RouteContext): Promise<KeygateResponse> {
  return jsonResponse(200, { apiKey: keyJson(await manageableKey(c)) });
}

async function updateKey(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  const input = updateInput(c.body, key, c.options.allowMetadata);
  const updated = await c.options.keygate.keys.update(key.id, input, change(c, key));
  return jsonResponse(200, { apiKey: keyJson(updated) });
}

async function revokeKey(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  const revoked = await c.options.keygate.keys.revoke(key.id, change(c, key));
  return jsonResponse(200, { apiKey: keyJson(revoked) });
}

async function rotateKey(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  const gracePeriodMs = rotateInput(c.body, c.options.defaultGracePeriodMs);
  const rotated = await c.options.keygate.keys.rotate(key.id, { ...change(c, key), gracePeriodMs });
  return jsonResponse(201, { key: rotated.key, apiKey: keyJson(rotated.apiKey) });
}

// Disabling answers the key as it now is; a key may disable itself (it then stops authenticating).
async function disableKey(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  noFieldsInput(c.body);
  const disabled = await c.options.keygate.keys.disable(key.id, change(c, key));
  return jsonResponse(200, { apiKey: keyJson(disabled) });
}

// A disabled key never gets here for itself: it cannot authenticate (see currentKey).
async function enableKey(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  noFieldsInput(c.body);
  const enabled = await c.options.keygate.keys.enable(key.id, change(c, key));
  return jsonResponse(200, { apiKey: keyJson(enabled) });
}

// The audit events of a key the caller may see (see keyEventsPage), newest first.
async function keyEvents(c: RouteContext): Promise<KeygateResponse> {
  const key = await manageableKey(c);
  return jsonResponse(200, await keyEventsPage(c.options.keygate, key.id, c.query));
}

// A key of the authorised owner that the caller could have created; anything else answers
// exactly as an unknown id does.
async function manageableKey(c: RouteContext): Promise<ApiKey> {
  const key = await c.options.keygate.keys.get(c.id, { actor: c.actor });
  if (key === null || key.owner !== c.owner) throw new KeygateError('not_found', 'No key with that id.');
  return key;
}

// A route acting on a key the caller may manage (see manageableKey).
function onKey(run: (c: RouteContext, key: ApiKey) => Promise<KeygateResponse>) {
  return async (c: RouteContext): Promise<KeygateResponse> => run(c, await manageableKey(c));
}

// A change of `key` on the caller's behalf, applied only to the version the route checked.
function change(c: RouteContext, key: ApiKey) {
  return { context: c.context, actor: c.actor, ifVersion: key.version };
}

/** True for the paths the management routes own: `/keys` and everything below it. */
export function isManagementPath(path: string): boolean {
  return path === '/keys' || path.startsWith('/keys/') || path.startsWith('/keys?');
}
