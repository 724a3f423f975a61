// `hideCredentials`: the header, query parameter or cookie that carried the key is removed from the
// request before the application's handlers run (Kong's `hide_credentials`), so that neither the
// handlers nor anything they log or forward see it. Core cleans the Node request (headers,
// rawHeaders, url); the adapter's `hide` accessor removes the framework's own copies (parsed
// query and cookies, the original URL) with what is computed here.
import { type OptionChecks, optionChecks } from '../options.js';
import {
  bearerToken,
  equalsLowerCase,
  headerValues,
  type KeySource,
  type RawRequest,
  type RequestAccessors,
} from './credentials.js';
import type { HiddenCredentials } from './hidden-credentials.js';

/** The parts of Node's `IncomingMessage` that hiding rewrites. */
interface WritableRequest {
  headers?: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  url?: string;
}

/** Removes a request's credentials; built once, called after the key has been read. */
export type CredentialHider<Req> = (req: Req, raw: RawRequest) => void;

const check: OptionChecks = optionChecks('authentication options');

/** The hider of these sources, or undefined when `hideCredentials` is off (nothing to call per request). */
export function createCredentialHider<Req>(
  hideCredentials: boolean,
  sources: readonly KeySource[],
  accessors: RequestAccessors<Req>,
): CredentialHider<Req> | undefined {
  if (!hideCredentials) return undefined;
  const headers = sources.flatMap((s) => (s.in === 'header' ? [s.name] : []));
  const bearer = sources.some((s) => s.in === 'bearer') && !headers.includes('authorization');
  const cookies = sources.flatMap((s) => (s.in === 'cookie' ? [s.name] : []));
  const query = sources.flatMap((s) => (s.in === 'query' ? [s.name] : []));
  const hidden: HiddenCredentials = Object.freeze({
    query: Object.freeze(query),
    cookies: Object.freeze(cookies),
    withoutQuery: (url: string) => withoutQueryParameters(url, query),
  });
  const touched = [...headers, ...(bearer ? ['authorization'] : []), ...(cookies.length > 0 ? ['cookie'] : [])];
  const framework = query.length + cookies.length > 0 ? accessors.hide : undefined;
  if (query.length + cookies.length > 0 && framework === undefined) {
    check.fail('this adapter cannot hide a query or cookie source.', 'hideCredentials');
  }
  return (req, raw) => {
    const node = raw as unknown as WritableRequest;
    const kept = keptHeaders(node.rawHeaders, headers, bearer, cookies);
    if (kept !== node.rawHeaders) rewriteHeaders(node, kept, touched);
    if (query.length > 0 && typeof node.url === 'string') node.url = hidden.withoutQuery(node.url);
    framework?.(req, hidden);
  };
}

// rawHeaders without the credential headers, and with the key cookies cut out of Cookie headers;
// the same array when nothing changes.
function keptHeaders(raw: string[], headers: readonly string[], bearer: boolean, cookies: readonly string[]): string[] {
  let kept: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    let next: string | undefined = value;
    if (headers.some((header) => equalsLowerCase(name, header))) next = undefined;
    else if (bearer && equalsLowerCase(name, 'authorization') && bearerToken(value) !== undefined) next = undefined;
    else if (cookies.length > 0 && equalsLowerCase(name, 'cookie')) next = withoutCookies(value, cookies);
    if (next === value && kept === undefined) continue;
    kept ??= raw.slice(0, i);
    if (next !== undefined) kept.push(name, next);
  }
  return kept ?? raw;
}

// Node's `headers` rebuilt for the `touched` names from the kept raw values, as Node joins them:
// Cookie with "; ", Authorization keeps the first, any other with ", "; a name left without a
// value is deleted.
function rewriteHeaders(node: WritableRequest, kept: string[], touched: readonly string[]): void {
  const headers = node.headers; // read first: Node builds it lazily from rawHeaders
  node.rawHeaders = kept;
  if (headers === undefined) return;
  for (const name of touched) {
    const values = headerValues(kept, name);
    if (values !== undefined) {
      headers[name] = name === 'cookie' ? values.join('; ') : name === 'authorization' ? values[0] : values.join(', ');
    } else if (headers[name] !== undefined) {
      delete headers[name];
    }
  }
}

/** A Cookie header without the named cookies (others kept, in order); undefined when none is left. */
export function withoutCookies(header: string, names: readonly string[]): string | undefined {
  const pairs = header.split(';');
  const kept = pairs.filter((pair) => {
    const eq = pair.indexOf('=');
    return !names.includes((eq === -1 ? pair : pair.slice(0, eq)).trim());
  });
  if (kept.length === pairs.length) return header;
  return kept.length === 0 ? undefined : kept.map((pair) => pair.trim()).join('; ');
}

/**
 * A request target without the named query parameters, the others kept as they were, in order.
 * Names are compared decoded (`+` and percent-escapes), as query parsers decode them, and
 * `name[…]` (the bracket syntax of the `qs` parser) counts as `name`.
 */
export function withoutQueryParameters(url: string, names: readonly string[]): string {
  const start = url.indexOf('?');
  if (start === -1 || names.length === 0) return url;
  const pairs = url.slice(start + 1).split('&');
  const kept = pairs.filter((pair) => !names.some((name) => isParameter(pair, name)));
  if (kept.length === pairs.length) return url;
  return kept.length === 0 ? url.slice(0, start) : `${url.slice(0, start + 1)}${kept.join('&')}`;
}

function isParameter(pair: string, name: string): boolean {
  const eq = pair.indexOf('=');
  const decoded = decodeName(eq === -1 ? pair : pair.slice(0, eq));
  return decoded === name || (decoded.startsWith(name) && decoded.charCodeAt(name.length) === 91) /* [ */;
}

function decodeName(raw: string): string {
  const plain = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plain);
  } catch {
    return plain; // a bad escape: parsers keep it as it is
  }
}
