// How core reads a Express request (used by the auth middleware and the management routes).
import type { RequestAccessors } from '@keygate/core/adapter';
import { parse } from 'cookie';
import type { Request } from 'express';

/** Request accessors for core, built once: the framework resolves IP and TLS under its trusted-proxy setting. */
export const accessors: RequestAccessors<Request> = {
  raw: (req) => req,
  ip: (req) => req.ip,
  secure: (req) => req.secure,
  originalUrl: (req) => req.originalUrl,
  query: (req, name) => (req.query as Record<string, unknown>)[name],
  cookie: (req, name) => {
    const cookies = (req as { cookies?: Record<string, unknown> }).cookies ?? cookiesOf(req);
    const value = cookies[name];
    return value === undefined || typeof value === 'string' ? value : String(value);
  },
  // `req.query` is parsed from `req.url`, which core has cleaned.
  hide: (req, hidden) => {
    if (hidden.query.length > 0) req.originalUrl = hidden.withoutQuery(req.originalUrl);
    const cookies = (req as { cookies?: Record<string, unknown> }).cookies;
    if (cookies) for (const name of hidden.cookies) delete cookies[name];
  },
};

const NO_COOKIES: Readonly<Record<string, string | undefined>> = Object.freeze({});

// Without cookie-parser, the Cookie header as cookie-parser would parse it: with the `cookie`
// package Express itself depends on (the first of two same-named cookies wins; core answers 400
// when two carry different values).
function cookiesOf(req: Request): Readonly<Record<string, string | undefined>> {
  const header = req.headers.cookie;
  return header === undefined ? NO_COOKIES : parse(header);
}
