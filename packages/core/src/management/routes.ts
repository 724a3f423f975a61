// The management routes: a table of method + path pattern, and one small handler per route.
import { KeygateError } from '../errors.js';
import type { RequestContext } from '../events.js';
import { checkScopes } from '../key-input.js';
import type { ApiKey } from '../record.js';
import { grants } from '../scopes.js';
import { jsonResponse, type ManagementResponse, problemResponse } from './http.js';
import { createInput, keyJson, rotateInput, selfJson, updateInput } from './input.js';
import type { ResolvedManagementOptions } from './options.js';

/** What a route handler gets: the resolved options, the authorised owner and the request's parts. */
export interface RouteContext {
  readonly options: ResolvedManagementOptions;
  /** Whose keys the caller manages ('' on routes that need only a key). */
  readonly owner: string;
  readonly caller: ApiKey | undefined;
  /** The `:id` of the path, or ''. */
  readonly id: string;
  readonly body: unknown;
  readonly context: RequestContext;
}

/** One route: `key` routes need any valid key, `manage` routes the right to manage an owner's keys. */
export interface Route {
  readonly method: string;
  readonly path: readonly string[];
  readonly access: 'key' | 'manage';
  readonly run: (c: RouteContext) => Promise<ManagementResponse>;
}

const ID_RE = /^[0-9A-Za-z]{12}$/;

/** The routes, matched in order; `:id` matches only a well-formed key id. */
export const ROUTES: readonly Route[] = Object.freeze([
  { method: 'POST', path: ['keys'], access: 'manage', run: createKey },
  { method: 'GET', path: ['keys'], access: 'manage', run: listKeys },
  { method: 'GET', path: ['keys', 'self'], access: 'key', run: self },
  { method: 'GET', path: ['keys', ':id'], access: 'manage', run: getKey },
  { method: 'PATCH', path: ['keys', ':id'], access: 'manage', run: updateKey },
  { method: 'DELETE', path: ['keys', ':id'], access: 'manage', run: revokeKey },
  { method: 'POST', path: ['keys', ':id', 'rotate'], access: 'manage', run: rotateKey },
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
      if (!ID_RE.test(segment)) return false;
      id = segment;
      return true;
    });
  });
  return { routes, id };
}

async function createKey(c: RouteContext): Promise<ManagementResponse> {
  const input = createInput(c.body, c.owner);
  const refused = refuseUnheldScopes(c, input.scopes);
  if (refused) return refused;
  const created = await c.options.keygate.keys.create(input, c.context);
  return jsonResponse(201, { key: created.key, apiKey: keyJson(created.apiKey) });
}

async function listKeys(c: RouteContext): Promise<ManagementResponse> {
  const keys = await c.options.keygate.keys.list(c.owner);
  return jsonResponse(200, { keys: keys.map(keyJson) });
}

async function self(c: RouteContext): Promise<ManagementResponse> {
  return jsonResponse(200, { apiKey: selfJson(c.caller as ApiKey) });
}

async function getKey(c: RouteContext): Promise<ManagementResponse> {
  return jsonResponse(200, { apiKey: keyJson(await ownKey(c)) });
}

async function updateKey(c: RouteContext): Promise<ManagementResponse> {
  const key = await ownKey(c);
  const input = updateInput(c.body);
  assertChangeable(key);
  const refused = refuseUnheldScopes(c, input.scopes);
  if (refused) return refused;
  const updated = await c.options.keygate.keys.update(key.id, input, c.context);
  return jsonResponse(200, { apiKey: keyJson(updated) });
}

async function revokeKey(c: RouteContext): Promise<ManagementResponse> {
  const key = await ownKey(c);
  const revoked = await c.options.keygate.keys.revoke(key.id, c.context);
  return jsonResponse(200, { apiKey: keyJson(revoked) });
}

async function rotateKey(c: RouteContext): Promise<ManagementResponse> {
  const key = await ownKey(c);
  const gracePeriodMs = rotateInput(c.body, c.options.defaultGracePeriodMs);
  assertChangeable(key);
  const rotated = await c.options.keygate.keys.rotate(key.id, { gracePeriodMs }, c.context);
  return jsonResponse(201, { key: rotated.key, apiKey: keyJson(rotated.apiKey) });
}

// Another owner's key answers exactly as an unknown id does.
async function ownKey(c: RouteContext): Promise<ApiKey> {
  const key = await c.options.keygate.keys.get(c.id);
  if (key === null || key.owner !== c.owner) throw new KeygateError('not_found', 'No key with that id.');
  return key;
}

function assertChangeable(key: ApiKey): void {
  if (key.revokedAt !== null) throw new KeygateError('conflict', 'The key has been revoked; it can no longer change.');
  if (key.replacedBy !== null) {
    throw new KeygateError('conflict', `The key was rotated; change its replacement, ${key.replacedBy}, instead.`);
  }
}

// A key may grant only scopes it holds itself (unless limitScopesToCaller is off).
function refuseUnheldScopes(c: RouteContext, scopes: unknown): ManagementResponse | undefined {
  if (!c.options.limitScopesToCaller || c.caller === undefined || scopes === undefined) return undefined;
  const unheld = checkScopes(scopes).filter((scope) => !grants(c.caller?.scopes ?? [], scope));
  if (unheld.length === 0) return undefined;
  return problemResponse(
    403,
    'forbidden',
    `The calling key cannot grant scopes it does not hold: ${unheld.join(' ')}.`,
    {
      field: 'scopes',
    },
  );
}

/** True for the paths the management routes own: `/keys` and everything below it. */
export function isManagementPath(path: string): boolean {
  return path === '/keys' || path.startsWith('/keys/') || path.startsWith('/keys?');
}
