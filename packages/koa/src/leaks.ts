import { KeygateError, type LeakedKeyOptions } from '@keygate/core';
import { createLeakedKeyHandler, readRawBody, requestContext } from '@keygate/core/adapter';
import type { Middleware } from 'koa';
import { accessors } from './accessors.js';
import { send } from './send.js';

/** Options of {@link leakedKeyRoute}: `LeakedKeyOptions` from @keygate/core, plus where the endpoint lives. */
export interface LeakedKeyRouteOptions extends LeakedKeyOptions {
  /** The endpoint's path, e.g. `/github/secret-scanning`. */
  path: string;
}

const PATH_RE = /^(?:\/[^/?#]+)+$/;

/**
 * Koa middleware serving GitHub's secret scanning partner program at `path`: it checks the
 * report's signature over the raw body, labels each token, and revokes (or disables, or only
 * reports) the leaked keys of this instance. It reads the raw body itself (bounded by `bodyLimit`);
 * use it before any body parser, or behind one that keeps `ctx.request.rawBody` (koa-bodyparser).
 * Other paths go on to `next()`. Throws `invalid_options` for bad options.
 *
 * @example
 * ```ts
 * import { leakedKeyRoute } from '@keygate/koa';
 *
 * app.use(leakedKeyRoute({ keygate, publicKeys: { [identifier]: pem }, path: '/github/secret-scanning' }));
 * ```
 */
export function leakedKeyRoute(options: LeakedKeyRouteOptions): Middleware {
  const handle = createLeakedKeyHandler(options, ['path']);
  const { path } = options;
  if (typeof path !== 'string' || !PATH_RE.test(path)) {
    throw new KeygateError('invalid_options', 'keygate: `path` must be a path such as "/github/secret-scanning".', {
      field: 'path',
    });
  }
  return async (ctx, next) => {
    if (ctx.path !== path) return next();
    let body: unknown;
    if (ctx.method === 'POST') {
      const read = await readRawBody(ctx.req, handle.bodyLimit);
      if (!read.ok) return send(ctx, read.response);
      // Read already by a body parser: its raw text when it kept it, else what it parsed (refused).
      const { rawBody, body: parsed } = ctx.request as { rawBody?: unknown; body?: unknown };
      body = read.body ?? (typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : (parsed ?? null));
    }
    const keyIdentifier = ctx.get('github-public-key-identifier') || undefined;
    const signature = ctx.get('github-public-key-signature') || undefined;
    const context = requestContext(ctx, accessors);
    send(ctx, await handle({ method: ctx.method, body, keyIdentifier, signature, context }));
  };
}
