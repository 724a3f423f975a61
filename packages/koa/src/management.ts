import { KeygateError, type ManagementOptions } from '@keygate/core';
import { createManagementApi, isManagementPath, readJsonBody, requestContext } from '@keygate/core/adapter';
import type { Middleware } from 'koa';
import { accessors } from './accessors.js';
import { send } from './send.js';

/** Options of {@link keyManagementRoutes}: `ManagementOptions` from @keygate/core, plus where the routes live. */
export interface KeyManagementRoutesOptions extends ManagementOptions {
  /** Path prefix of the routes, e.g. `/admin` for `/admin/keys`. Default: none (`/keys`). */
  prefix?: string;
}

const PREFIX_RE = /^(?:\/[^/?#]+)*$/;

/**
 * Koa middleware serving the key-management routes under `<prefix>/keys`; use it after
 * `apiKeyAuth`. It reads JSON bodies itself (bounded by `bodyLimit`), or takes `ctx.request.body`
 * when a body parser already set it. Other paths go on to `next()`. By default a key with the
 * `keys:manage` scope manages its own owner's keys (see `authorize`). Throws `invalid_options`
 * for bad options.
 *
 * @example
 * ```ts
 * import { apiKeyAuth, keyManagementRoutes } from '@keygate/koa';
 *
 * app.use(apiKeyAuth({ keygate })).use(keyManagementRoutes({ keygate, prefix: '/admin' }));
 * // POST /admin/keys, GET /admin/keys, GET /admin/keys/self, PATCH /admin/keys/:id, …
 * ```
 */
export function keyManagementRoutes(options: KeyManagementRoutesOptions): Middleware {
  const handle = createManagementApi(options, ['prefix']);
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix)) {
    throw new KeygateError(
      'invalid_options',
      'keygate: `prefix` must be a path such as "/admin", without a trailing slash.',
    );
  }
  return async (ctx, next) => {
    const path = ctx.path.startsWith(`${prefix}/`) ? ctx.path.slice(prefix.length) : '';
    if (!isManagementPath(path)) return next();
    // A body parser earlier in the app may have read the body already; GET and HEAD bodies are ignored.
    let body = (ctx.request as { body?: unknown }).body;
    if (body === undefined && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      const read = await readJsonBody(ctx.req, handle.bodyLimit);
      if (!read.ok) return send(ctx, read.response);
      body = read.body;
    }
    const context = requestContext(ctx, accessors);
    const target = ctx.querystring === '' ? path : `${path}?${ctx.querystring}`;
    const contentType = ctx.get('content-type') || undefined;
    const apiKey = ctx.state.apiKey;
    send(ctx, await handle({ method: ctx.method, path: target, contentType, body, apiKey, context, request: ctx }));
  };
}
