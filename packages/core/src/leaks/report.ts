// The body of a secret scanning report, read only once its signature holds: a JSON array of
// `{ token, type, url, source }`, bounded in items and sizes. A bad report is refused whole (400).
import type { KeygateResponse } from '../http/response.js';
import { parseJsonText } from '../management/body.js';
import { INVALID_JSON, problemResponse } from '../management/http.js';

/** One reported token. `type` is the pattern's name (`''` when absent); `url` and `source` say where it was found. */
export interface ReportedToken {
  readonly token: string;
  readonly type: string;
  readonly url: string | null;
  readonly source: string | null;
}

/** The tokens of a report, or the response refusing it. */
export type ReportResult =
  | { readonly ok: true; readonly tokens: readonly ReportedToken[] }
  | { readonly ok: false; readonly response: KeygateResponse };

/** Longest accepted token: far more than any keygate key, so only garbage is refused. */
export const MAX_TOKEN_LENGTH = 1024;
// Longest accepted `type`, `url` and `source`.
const MAX_TEXT_LENGTH = 8192;

const NOT_AN_ARRAY = refuse('The report must be a JSON array of { token, type, url, source }.');

/** Parses and checks a report of at most `maxTokens` items. */
export function readReport(body: Uint8Array, maxTokens: number): ReportResult {
  const parsed = parseJsonText(body);
  if (!parsed.ok) return { ok: false, response: INVALID_JSON };
  const items = parsed.body;
  if (!Array.isArray(items)) return { ok: false, response: NOT_AN_ARRAY };
  if (items.length > maxTokens) {
    return { ok: false, response: refuse(`The report may hold at most ${maxTokens} tokens.`) };
  }
  const tokens: ReportedToken[] = [];
  for (const [index, item] of items.entries()) {
    const read = readItem(item, index);
    if (typeof read === 'string') return { ok: false, response: refuse(read, `[${index}]`) };
    tokens.push(read);
  }
  return { ok: true, tokens };
}

// One item, or what is wrong with it (never quoting it: a token may be a live key).
function readItem(item: unknown, index: number): ReportedToken | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return `Item ${index} must be an object.`;
  const { token, type, url, source } = item as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return `Item ${index}: token must be a string of 1-${MAX_TOKEN_LENGTH} characters.`;
  }
  if (!isText(type) || !isText(url) || !isText(source)) {
    return `Item ${index}: type, url and source must be strings of at most ${MAX_TEXT_LENGTH} characters when given.`;
  }
  return { token, type: type ?? '', url: url ?? null, source: source ?? null };
}

function isText(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || (typeof value === 'string' && value.length <= MAX_TEXT_LENGTH);
}

function refuse(detail: string, field?: string): KeygateResponse {
  return problemResponse(400, 'invalid_request', detail, { field });
}
