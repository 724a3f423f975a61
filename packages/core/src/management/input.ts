// JSON bodies and query strings of the management routes → KeyManager input, and keys → JSON.
// Dates travel as ISO 8601 strings, lifetimes as `expiresIn` in ms.
import { KeygateError } from '../errors.js';
import type { ApiKey, JsonValue } from '../key/record.js';
import type { CreateKeyInput, UpdateKeyInput } from '../lifecycle/input.js';
import type { ListKeysOptions } from '../lifecycle/page.js';
import { safeFieldName } from './fields.js';
import { type MetadataGrant, metadataToWrite } from './metadata.js';
import { invalidInput, isoDate, pageQuery, shown } from './query.js';

const UPDATE_FIELDS = new Set(['name', 'scopes', 'metadata', 'expiresAt', 'expiresIn', 'rateLimits', 'allowedIps']);
// A new key may also name its environment (one of the instance's `environments`; by default the caller's).
const CREATE_FIELDS = new Set([...UPDATE_FIELDS, 'environment']);
/** Most keys one page of `GET /keys` holds. */
export const MAX_ROUTE_PAGE = 100;
const DEFAULT_ROUTE_PAGE = 50;

/** The body of `POST /keys` as create input for `owner`. Throws `invalid_input` or `forbidden` naming the field. */
export function createInput(body: unknown, owner: string, metadata: MetadataGrant): CreateKeyInput {
  const fields = objectBody(body, CREATE_FIELDS);
  const { expiresAt, metadata: given, ...rest } = fields;
  const input = { ...rest, owner } as CreateKeyInput;
  if (expiresAt !== undefined && expiresAt !== null) input.expiresAt = isoDate('expiresAt', expiresAt, true);
  if (given !== undefined) input.metadata = metadataToWrite(metadata, given, {}) as { [key: string]: JsonValue };
  return input;
}

/** The body of `PATCH /keys/:id` as update input of `key`. Throws `invalid_input` or `forbidden` naming the field. */
export function updateInput(body: unknown, key: ApiKey, metadata: MetadataGrant): UpdateKeyInput {
  const fields = objectBody(body, UPDATE_FIELDS);
  const { expiresAt, metadata: given, ...rest } = fields;
  const input = { ...rest } as UpdateKeyInput;
  if (expiresAt !== undefined) input.expiresAt = expiresAt === null ? null : isoDate('expiresAt', expiresAt, true);
  if (given !== undefined)
    input.metadata = metadataToWrite(metadata, given, key.metadata) as { [key: string]: JsonValue };
  return input;
}

/** The grace period of `POST /keys/:id/rotate` (body optional). */
export function rotateInput(body: unknown, fallback: number): number {
  if (body === undefined) return fallback;
  const { gracePeriodMs } = objectBody(body, new Set(['gracePeriodMs']));
  return gracePeriodMs === undefined ? fallback : (gracePeriodMs as number);
}

/** The body of `POST /keys/:id/disable` and `/enable`: none, or an empty JSON object. */
export function noFieldsInput(body: unknown): void {
  objectBody(body, new Set());
}

/** The query of `GET /keys`: `limit` (1-100, default 50), `cursor`, `state` (`active` or `all`). */
export function listQuery(query: URLSearchParams): ListKeysOptions {
  let state: ListKeysOptions['state'];
  const page = pageQuery(
    query,
    { max: MAX_ROUTE_PAGE, fallback: DEFAULT_ROUTE_PAGE, names: 'limit, cursor or state' },
    (name, value) => {
      if (name !== 'state') return false;
      state = value as ListKeysOptions['state'];
      return true;
    },
  );
  return state === undefined ? page : { ...page, state };
}

/**
 * A key as JSON: public fields only (never a hash), dates as ISO strings. Exported from
 * `@keygate/core` as `keyToJson`; the management routes answer keys in this shape.
 *
 * @example
 * ```ts
 * const apiKey = await keygate.keys.get(id);
 * if (apiKey) res.json(keyToJson(apiKey)); // { id, prefix, name, owner, scopes, …, createdAt: '2025-…Z' }
 * ```
 */
export function keyJson(key: ApiKey) {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    owner: key.owner,
    scopes: [...key.scopes],
    metadata: key.metadata,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    disabledAt: key.disabledAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    rateLimits: key.rateLimits,
    allowedIps: key.allowedIps,
    replacedBy: key.replacedBy,
  };
}

/** What `GET /keys/self` tells a key about itself. */
export function selfJson(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    owner: key.owner,
    scopes: [...key.scopes],
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}

/** `body` as a JSON object holding only `allowed` fields (none: `{}`); throws `invalid_input` naming the first other one. */
export function objectBody(body: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KeygateError('invalid_input', 'The request body must be a JSON object.');
  }
  for (const field of Object.keys(body)) {
    if (!allowed.has(field)) {
      const hint = field === 'owner' ? ' (keys are created for the caller’s owner)' : '';
      throw invalidInput(`Unknown field ${shown(field)}${hint}.`, safeFieldName(field));
    }
  }
  return body as Record<string, unknown>;
}
