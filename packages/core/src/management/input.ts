// JSON bodies of the management routes → KeyManager input, and keys → JSON. Dates travel as ISO
// 8601 strings, lifetimes as `expiresIn` in ms.
import { KeygateError } from '../errors.js';
import type { CreateKeyInput, UpdateKeyInput } from '../key-input.js';
import type { ApiKey } from '../record.js';

const CREATE_FIELDS = new Set(['name', 'scopes', 'metadata', 'expiresAt', 'expiresIn', 'rateLimits', 'allowedIps']);
const UPDATE_FIELDS = CREATE_FIELDS;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The body of `POST /keys` as create input for `owner`. Throws `invalid_input` naming the field. */
export function createInput(body: unknown, owner: string): CreateKeyInput {
  const fields = objectBody(body, CREATE_FIELDS);
  const { expiresAt, ...rest } = fields;
  const input = { ...rest, owner } as CreateKeyInput;
  if (expiresAt !== undefined && expiresAt !== null) input.expiresAt = isoDate(expiresAt);
  return input;
}

/** The body of `PATCH /keys/:id` as update input. Throws `invalid_input` naming the field. */
export function updateInput(body: unknown): UpdateKeyInput {
  const fields = objectBody(body, UPDATE_FIELDS);
  const { expiresAt, ...rest } = fields;
  const input = { ...rest } as UpdateKeyInput;
  if (expiresAt !== undefined) input.expiresAt = expiresAt === null ? null : isoDate(expiresAt);
  return input;
}

/** The grace period of `POST /keys/:id/rotate` (body optional). */
export function rotateInput(body: unknown, fallback: number): number {
  if (body === undefined) return fallback;
  const { gracePeriodMs } = objectBody(body, new Set(['gracePeriodMs']));
  return gracePeriodMs === undefined ? fallback : (gracePeriodMs as number);
}

/** A key as JSON: public fields only (never a hash), dates as ISO strings. */
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

function objectBody(body: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KeygateError('invalid_input', 'The request body must be a JSON object.');
  }
  for (const field of Object.keys(body)) {
    if (!allowed.has(field)) {
      // A short identifier is echoed; anything else (it could be a pasted key) is not.
      const shown = /^[A-Za-z0-9_$-]{1,32}$/.test(field) ? field : undefined;
      const hint = field === 'owner' ? ' (keys are created for the caller’s owner)' : '';
      const name = shown === undefined ? '(name not shown)' : JSON.stringify(shown);
      throw new KeygateError('invalid_input', `Unknown field ${name}${hint}.`, shown ? { field: shown } : {});
    }
  }
  return body as Record<string, unknown>;
}

function isoDate(value: unknown): Date {
  const date = typeof value === 'string' && ISO_DATE_RE.test(value) ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new KeygateError('invalid_input', 'expiresAt must be an ISO 8601 date-time with a time zone, or null.', {
      field: 'expiresAt',
    });
  }
  return date;
}
