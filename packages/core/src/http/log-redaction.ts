// The paths of pino's `redact` option that cover where the configured sources put a key in a
// serialised request (pino-http's and pino-std-serializers' `req`: `headers` and `query`).

import { type OptionChecks, optionChecks } from '../options.js';
import { type KeySource, resolveKeySources } from './credentials.js';
import type { AuthOptions } from './options.js';

const IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const check: OptionChecks = optionChecks('pinoRedactPaths');

/** Options of {@link pinoRedactPaths}: the middleware's options (only `sources` is read), and where the logger puts the request. */
export interface PinoRedactOptions extends Pick<AuthOptions, 'sources'> {
  /** The key under which log lines hold the request. Default `req` (pino-http, Fastify). */
  readonly requestKey?: string;
}

/**
 * The pino `redact` paths of every place the configured sources put a key in a logged request:
 * `req.headers.<name>` of each header source, `req.headers.authorization` for Bearer,
 * `req.query.<name>` of each query source, `req.headers.cookie` for a cookie source (the whole
 * header: redaction cannot reach inside it). Redaction cannot reach inside a URL either: a query
 * source's key stays in `req.url` unless `hideCredentials` removes it before the line is logged
 * or a serializer blanks it (e.g. with `redactKeys`).
 *
 * @example
 * ```ts
 * const logger = pino({ redact: pinoRedactPaths({ sources }) });
 * // ['req.headers["x-api-key"]', 'req.headers.authorization']
 * ```
 */
export function pinoRedactPaths(options: PinoRedactOptions = {}): string[] {
  const req = options.requestKey ?? 'req';
  if (typeof req !== 'string' || !IDENTIFIER_RE.test(req))
    check.fail('`requestKey` must be an identifier.', 'requestKey');
  const paths = resolveKeySources(options.sources).flatMap((source: KeySource) => {
    if (source.in === 'bearer') return [`${req}.headers.authorization`];
    if (source.in === 'header') return [`${req}.headers${member(source.name)}`];
    if (source.in === 'query') return [`${req}.query${member(source.name)}`];
    return [`${req}.headers.cookie`, `${req}.cookies${member(source.name)}`];
  });
  return [...new Set(paths)];
}

// `name` as one step of a redact path: `.name`, or `["name"]` when it is no identifier.
function member(name: string): string {
  if (IDENTIFIER_RE.test(name)) return `.${name}`;
  if (/["\\]/.test(name)) check.fail(`pino redact paths cannot name ${JSON.stringify(name)}.`, 'sources');
  return `["${name}"]`;
}
