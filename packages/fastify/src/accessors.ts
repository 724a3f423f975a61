// How core reads a Fastify request (used by the auth middleware and the management routes).
import { KeygateError } from '@keygate/core';
import type { RequestAccessors } from '@keygate/core/adapter';
import type { FastifyRequest } from 'fastify';

/** Request accessors for core, built once: the framework resolves IP and TLS under its trusted-proxy setting. */
export const accessors: RequestAccessors<FastifyRequest> = {
  raw: (request) => request.raw,
  ip: (request) => request.ip,
  secure: (request) => request.protocol === 'https',
  query: (request, name) => (request.query as Record<string, unknown> | undefined)?.[name],
  cookie: (request, name) => {
    const cookies = (request as { cookies?: Cookies | null }).cookies ?? cookiesOf(request);
    return cookies[name];
  },
  // Fastify parsed the query and @fastify/cookie the cookies before this hook; core has cleaned `raw`.
  hide: (request, hidden) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query) for (const name of hidden.query) delete query[name];
    const cookies = (request as { cookies?: Record<string, unknown> | null }).cookies;
    if (cookies) for (const name of hidden.cookies) delete cookies[name];
    const url = request.originalUrl; // cached by Fastify on first read: the uncleaned URL if read before
    const clean = hidden.withoutQuery(url);
    if (clean !== url) Object.defineProperty(request, 'originalUrl', { value: clean, configurable: true });
  },
};

type Cookies = Readonly<Record<string, string | undefined>>;
const NO_COOKIES: Cookies = Object.freeze({});

/** The message of a cookie source registered without @fastify/cookie. */
export const COOKIE_PLUGIN_REQUIRED =
  'keygate: a cookie source needs @fastify/cookie: register @fastify/cookie before keygatePlugin.';

// @fastify/cookie parses in a later hook (its `hook` option) or not at all (`hook: false`): its
// parser, as the hook would run it. The plugin's registration has checked that it is there.
function cookiesOf(request: FastifyRequest): Cookies {
  const parse = (request.server as { parseCookie?: (header: string) => Cookies }).parseCookie;
  if (typeof parse !== 'function') throw new KeygateError('invalid_options', COOKIE_PLUGIN_REQUIRED);
  const header = request.headers.cookie;
  return header === undefined ? NO_COOKIES : parse(header);
}
