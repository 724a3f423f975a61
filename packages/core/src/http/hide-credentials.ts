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
  // What each header that may carry a key loses: the whole header, a Bearer value, the key cookies.
  const rules: readonly HeaderRule[] = [
    ...headers.map((name) => ({ name, cut: DROP })),
    ...(bearer
      ? [{ name: 'authorization', cut: (value: string) => (bearerToken(value) === undefined ? value : undefined) }]
      : []),
    ...(cookies.length > 0 ? [{ name: 'cookie', cut: (value: string) => withoutCookies(value, cookies) }] : []),
  ];
  const framework = query.length + cookies.length > 0 ? accessors.hide : undefined;
  if (query.length + cookies.length > 0 && framework === undefined) {
    check.fail('this adapter cannot hide a query or cookie source.', 'hideCredentials');
  }
  return (req, raw) => {
    const node = raw as unknown as WritableRequest;
    hideHeaders(node, rules);
    if (query.length > 0 && typeof node.url === 'string') node.url = hidden.withoutQuery(node.url);
    framework?.(req, hidden);
  };
}

interface HeaderRule {
  /** The lower-case header name. */
  readonly name: string;
  /** The value without the key: the value itself when it carries none, undefined when nothing is left. */
  readonly cut: (value: string) => string | undefined;
}

const DROP = (): undefined => undefined;

// Cuts the key out of rawHeaders (a new array, only when something changes), then out of Node's
// `headers`: a copy without it (deleting a property would cost more, here and on every later read
// of the object), where a changed name keeps what is left of it, joined as Node joins it.
function hideHeaders(node: WritableRequest, rules: readonly HeaderRule[]): void {
  const raw = node.rawHeaders;
  let kept: string[] | undefined;
  let changed: HeaderRule[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const rule = ruleOf(rules, name);
    const next = rule === undefined ? value : rule.cut(value);
    if (next === value && kept === undefined) continue;
    kept ??= raw.slice(0, i);
    if (next !== undefined) kept.push(name, next);
    if (next === value || rule === undefined) continue;
    changed ??= [];
    if (!changed.includes(rule)) changed.push(rule);
  }
  if (kept === undefined || changed === undefined) return;
  const headers = node.headers; // read before rawHeaders changes: Node builds it lazily
  node.rawHeaders = kept;
  if (headers === undefined) return;
  const copy: Record<string, string | string[] | undefined> = {};
  for (const name in headers) {
    if (ruleOf(changed, name) === undefined) {
      copy[name] = headers[name];
      continue;
    }
    const value = joined(name, headerValues(kept, name));
    if (value !== undefined) copy[name] = value; // none left: no header
  }
  node.headers = copy;
}

// Several values of one header, as Node joins them: Cookie with "; ", Authorization keeps the first, any other with ", ".
function joined(name: string, values: string[] | undefined): string | undefined {
  if (values === undefined) return undefined;
  return name === 'cookie' ? values.join('; ') : name === 'authorization' ? values[0] : values.join(', ');
}

function ruleOf(rules: readonly HeaderRule[], name: string): HeaderRule | undefined {
  for (const rule of rules) if (equalsLowerCase(name, rule.name)) return rule;
  return undefined;
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
