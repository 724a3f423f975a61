// How core reads a Koa request (used by the auth middleware and the management routes).
import type { RequestAccessors } from '@keygate/core/adapter';
import type { Context } from 'koa';

/** Request accessors for core, built once: the framework resolves IP and TLS under its trusted-proxy setting. */
export const accessors: RequestAccessors<Context> = {
  raw: (ctx) => ctx.req,
  ip: (ctx) => ctx.ip,
  secure: (ctx) => ctx.secure,
  originalUrl: (ctx) => ctx.originalUrl,
  query: (ctx, name) => ctx.query[name],
  cookie: (ctx, name) => ctx.cookies.get(name),
  // `ctx.query` is parsed from `ctx.req.url` and `ctx.cookies` reads the Cookie header: core has cleaned both.
  hide: (ctx, hidden) => {
    if (hidden.query.length > 0) ctx.originalUrl = ctx.request.originalUrl = hidden.withoutQuery(ctx.originalUrl);
  },
};
