import { MAX_KEY_LENGTH } from '../key/format.js';
import { type OptionChecks, optionChecks } from '../options.js';
import type { HiddenCredentials } from './hidden-credentials.js';

/** Where a request may carry its key. */
export type KeySource =
  | { readonly in: 'header'; readonly name: string }
  | { readonly in: 'bearer' }
  | { readonly in: 'query'; readonly name: string }
  | { readonly in: 'cookie'; readonly name: string };

/**
 * The default sources: `X-API-Key`, then `Authorization: Bearer`. Query and cookie are opt-in:
 * URLs end up in access logs, proxies and browser history; cookies are sent by browsers on their own (CSRF).
 */
export const DEFAULT_KEY_SOURCES: readonly KeySource[] = Object.freeze([
  Object.freeze({ in: 'header', name: 'x-api-key' }),
  Object.freeze({ in: 'bearer' }),
]);

/** The parts of Node's `IncomingMessage` core reads. */
export interface RawRequest {
  /** Header names and values in arrival order (name, value, name, value…): keeps duplicated headers. */
  readonly rawHeaders: readonly string[];
  /** The request method, for audit events. */
  readonly method?: string | undefined;
  /** The request target, for audit events (its query string is never kept). */
  readonly url?: string | undefined;
  /** The connection (Node's socket): lets a key presented again on it skip its digest. */
  readonly socket?: object | null | undefined;
}

/** How core reads one framework's request; adapters pass these once, so nothing is allocated per request. */
export interface RequestAccessors<Req> {
  /** The underlying Node request. */
  raw(req: Req): RawRequest;
  /** The client address as the framework resolves it under its own trusted-proxy setting. */
  ip(req: Req): string | undefined;
  /** Whether the request arrived over TLS, as the framework resolves it under its trusted-proxy setting. */
  secure(req: Req): boolean;
  /** The request target before any router rewrote it (e.g. Express `req.originalUrl`), for audit events. Default: `raw(req).url`. */
  originalUrl?(req: Req): string | undefined;
  /** A parsed query parameter (string, array of strings, or anything a query parser makes). */
  query?(req: Req, name: string): unknown;
  /** A cookie value, from the framework or its official cookie plugin. */
  cookie?(req: Req, name: string): string | undefined;
  /** `hideCredentials`: removes the key's query parameters and cookies from the framework's own copies (core cleans the Node request). */
  hide?(req: Req, hidden: HiddenCredentials): void;
}

/** What a request carries: nothing, one key, or something unusable. */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'ambiguous' };

const NONE: Credential = Object.freeze({ kind: 'none' });
const MALFORMED: Credential = Object.freeze({ kind: 'malformed' });
const AMBIGUOUS: Credential = Object.freeze({ kind: 'ambiguous' });
const BEARER = 'bearer';
const SPACE = 32;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const check: OptionChecks = optionChecks('authentication options');

/** Validates and freezes configured sources (header names lower-cased). Throws `invalid_options`. */
export function resolveKeySources(sources: readonly KeySource[] = DEFAULT_KEY_SOURCES): readonly KeySource[] {
  if (!Array.isArray(sources) || sources.length === 0) check.fail('`sources` must be a non-empty array.', 'sources');
  return Object.freeze(
    sources.map((source: KeySource) => {
      if (source?.in === 'bearer') return Object.freeze({ in: 'bearer' as const });
      if (source?.in !== 'header' && source?.in !== 'query' && source?.in !== 'cookie') {
        check.fail("each source is { in: 'header' | 'query' | 'cookie', name } or { in: 'bearer' }.", 'sources');
      }
      const name = source.in === 'header' && typeof source.name === 'string' ? source.name.toLowerCase() : source.name;
      if (typeof name !== 'string' || name.length === 0 || (source.in === 'header' && !HEADER_NAME_RE.test(name))) {
        check.fail(`a ${source.in} source needs a valid \`name\`.`, 'sources');
      }
      return Object.freeze({ in: source.in, name });
    }),
  );
}

/**
 * Builds the reader that finds the key in a request. Every source is read: the same key twice is
 * fine, two different keys are `ambiguous`; an empty, oversized or non-string value is `malformed`
 * (its content is judged later, by the key parser). Header sources are read in one pass over
 * `rawHeaders`, which keeps duplicated headers that Node's `headers` merges or drops.
 */
export function createCredentialReader<Req>(
  sources: readonly KeySource[],
  accessors: RequestAccessors<Req>,
): (req: Req, raw?: RawRequest) => Credential {
  for (const source of sources) {
    if (source.in === 'query' && !accessors.query) check.fail('this adapter cannot read a query source.', 'sources');
    if (source.in === 'cookie' && !accessors.cookie) check.fail('this adapter cannot read a cookie source.', 'sources');
  }
  // Lower-case header name → whether its value is an `Authorization: Bearer` credential.
  const byName = new Map<string, boolean>();
  for (const source of sources) {
    if (source.in === 'header') byName.set(source.name, byName.get(source.name) ?? false);
    if (source.in === 'bearer') byName.set('authorization', true);
  }
  const headers = [...byName].map(([name, bearer]) => ({ name, bearer }));
  const others = sources.filter((source) => source.in === 'query' || source.in === 'cookie');

  // `raw`: the request's Node request when the caller has already read it (default: read here).
  return (req, raw = accessors.raw(req)) => {
    let found: string | undefined;
    const { rawHeaders } = raw;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const header = configuredHeader(headers, rawHeaders[i] as string);
      if (header === undefined) continue;
      // Other Authorization schemes (Basic, Digest…) are not ours to judge: skip them.
      const value = header.bearer ? bearerToken(rawHeaders[i + 1] as string) : rawHeaders[i + 1];
      if (value === undefined) continue;
      const next = accept(found, value);
      if (typeof next !== 'string') return next;
      found = next;
    }
    for (const source of others) {
      const value = source.in === 'query' ? accessors.query?.(req, source.name) : accessors.cookie?.(req, source.name);
      if (value === undefined) continue;
      // Cookie parsers keep the first of two same-named cookies: two different ones are ambiguous too.
      if (source.in === 'cookie' && distinctCookieValues(rawHeaders, source.name) > 1) return AMBIGUOUS;
      for (const each of Array.isArray(value) ? value : [value]) {
        const next = accept(found, each);
        if (typeof next !== 'string') return next;
        found = next;
      }
    }
    return found === undefined ? NONE : { kind: 'key', key: found };
  };
}

// The configured header a received header name is, if any (a loop, not `find`: no closure per header).
function configuredHeader<H extends { readonly name: string }>(headers: readonly H[], name: string): H | undefined {
  for (const header of headers) if (equalsLowerCase(name, header.name)) return header;
  return undefined;
}

/** Whether `text` equals the lower-case `name` once its ASCII capitals are lowered (in place: no lower-cased copy per header). */
export function equalsLowerCase(text: string, name: string): boolean {
  return text.length === name.length && startsWithLowerCase(text, name);
}

// Whether `text` starts with the lower-case `prefix` once its ASCII capitals (A-Z only) are lowered.
function startsWithLowerCase(text: string, prefix: string): boolean {
  if (text.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

// One more value for the request: the key found so far, or why the request is refused.
function accept(found: string | undefined, value: unknown): string | Credential {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) return MALFORMED;
  if (found !== undefined && found !== value) return AMBIGUOUS;
  return value;
}

/** The token of `Bearer <token>` (scheme case-insensitive, '' when missing), or undefined for another scheme. */
export function bearerToken(value: string): string | undefined {
  if (!startsWithLowerCase(value, BEARER)) return undefined;
  if (value.length === BEARER.length) return '';
  if (value.charCodeAt(BEARER.length) !== SPACE) return undefined;
  let start = BEARER.length + 1;
  while (start < value.length && value.charCodeAt(start) === SPACE) start++;
  return value.slice(start);
}

// How many different raw values the request's Cookie headers give the cookie `name` (0, 1, or more).
function distinctCookieValues(rawHeaders: readonly string[], name: string): number {
  let first: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!equalsLowerCase(rawHeaders[i] as string, 'cookie')) continue;
    for (const pair of (rawHeaders[i + 1] as string).split(';')) {
      const trimmed = pair.trimStart();
      if (!trimmed.startsWith(name) || trimmed.charCodeAt(name.length) !== 61 /* = */) continue;
      const value = trimmed.slice(name.length + 1).trimEnd();
      if (first === undefined) first = value;
      else if (value !== first) return 2;
    }
  }
  return first === undefined ? 0 : 1;
}

/** Every value of one header (lower-case name). Scans rawHeaders rather than `headers`, where Node joins duplicates with ", " or drops a duplicated Authorization. */
export function headerValues(raw: readonly string[], name: string): string[] | undefined {
  let values: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i] as string;
    if (!equalsLowerCase(header, name)) continue;
    values ??= [];
    values.push(raw[i + 1] as string);
  }
  return values;
}
