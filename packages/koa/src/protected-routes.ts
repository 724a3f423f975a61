// A @koa/router router served with authentication in front of every route it dispatches.
//
// Why not `router.use(apiKeyAuth(...))`: @koa/router matches a router-level middleware on a
// prefixed or nested router with a plain, case-sensitive RegExp of the prefix, while its routes
// match case-insensitively by default, so `GET /API/me` runs the `/api/me` handler and skips the
// middleware. Here the decision to authenticate is the router's own: a request is authenticated
// exactly when `router.match()` finds a route for its path and method, so whatever the router's
// options (`prefix`, `sensitive`, `strict`, nested routers, RegExp paths) no route runs without a key.
import type { Middleware } from 'koa';
import { type ApiKeyAuthOptions, apiKeyAuth } from './auth.js';

/**
 * What {@link protectedRoutes} uses of a @koa/router `Router` (tested with v15), typed structurally
 * so that @keygate/koa does not depend on @koa/router.
 */
export interface ProtectableRouter<M> {
  /** The router's options; `routerPath`, when set, is the path it routes instead of `ctx.path`. */
  readonly opts: { readonly routerPath?: string | undefined };
  /** Whether the router serves this host (a router with a `host` option dispatches nothing else). */
  matchHost(host?: string): boolean;
  /** The router's match of a path and method; `route` is true when it will run a route. */
  match(path: string, method: string): { readonly route: boolean };
  /** The router's dispatch middleware. */
  routes(): M;
}

/**
 * Serves `router` (use it instead of `router.routes()`) with `apiKeyAuth(options)` in front of
 * every route it dispatches: a request is authenticated when, and only when, the router matches a
 * route for its path and method, with the router's own matcher and options. Requests the router
 * does not route go on to the next middleware unauthenticated, so public routers can follow.
 * Pass the router you give to `app.use`: routers nested in it with `router.use(path, nested.routes())`
 * are part of its match.
 *
 * @example
 * ```ts
 * const api = new Router({ prefix: '/api' });
 * api.get('/me', (ctx) => {
 *   ctx.body = ctx.state.apiKey;
 * });
 * app.use(protectedRoutes(api, { keygate })); // in place of api.routes()
 * ```
 */
export function protectedRoutes<StateT, ContextT>(
  router: ProtectableRouter<Middleware<StateT, ContextT>>,
  options: ApiKeyAuthOptions,
): Middleware<StateT, ContextT> {
  const authenticate = apiKeyAuth(options) as unknown as Middleware<StateT, ContextT>;
  const dispatch = router.routes();
  return (ctx, next) => {
    if (!router.matchHost(ctx.host) || !router.match(routedPath(router, ctx), ctx.method).route) {
      return dispatch(ctx, next);
    }
    return authenticate(ctx, () => dispatch(ctx, next));
  };
}

// The path @koa/router's dispatcher routes (its `_getRequestPath`), so both decisions see the same path.
function routedPath(router: ProtectableRouter<unknown>, ctx: { readonly path: string }): string {
  const routing = ctx as { readonly newRouterPath?: string; readonly routerPath?: string };
  return router.opts.routerPath || routing.newRouterPath || ctx.path || routing.routerPath || '';
}
