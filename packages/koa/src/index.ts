/**
 * @keygate/koa: API-key authentication for Koa 3.
 * `app.use(apiKeyAuth({ keygate }))` sets `ctx.state.apiKey`; `requireScopes(...)`, `requireEnvironment(...)` and
 * `requireCredits(...)` guard a route;
 * `app.use(protectedRoutes(router, { keygate }))` serves a @koa/router router with every route behind a key.
 */

import type { ApiKey } from '@keygate/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified key's public metadata, set by `apiKeyAuth` (absent when the key was optional and not sent). */
    apiKey?: ApiKey;
  }
}

/** Authentication middleware and route-level scope, environment and credit guards. */
export { type ApiKeyAuthOptions, apiKeyAuth, requireCredits, requireEnvironment, requireScopes } from './auth.js';
/** GitHub's secret scanning partner program: the leaked-key endpoint at `path` as Koa middleware. */
export { type LeakedKeyRouteOptions, leakedKeyRoute } from './leaks.js';
/** Key-management routes (`<prefix>/keys`…) as Koa middleware, to use after `apiKeyAuth`. */
export { type KeyManagementRoutesOptions, keyManagementRoutes } from './management.js';
/** A router's routes, each behind `apiKeyAuth`, decided by the router's own matcher. */
export { type ProtectableRouter, protectedRoutes } from './protected-routes.js';
