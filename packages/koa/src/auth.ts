// The Koa middleware: authentication, and scope, environment and credit guards over core's authenticator and guard.
import type {
  AuthOptions,
  CreditCost,
  CreditGuardOptions,
  EnvironmentGuardOptions,
  ScopeGuardOptions,
} from '@keygate/core';
import {
  type AuthOutcome,
  createAuthenticator,
  createCreditGuard,
  createEnvironmentGuard,
  createScopeGuard,
  type ScopeGuard,
} from '@keygate/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { accessors } from './accessors.js';
import { send } from './send.js';

/** Options of {@link apiKeyAuth}: see `AuthOptions` in @keygate/core. Cookies are read with Koa's `ctx.cookies`. */
export type ApiKeyAuthOptions = AuthOptions;

/**
 * Middleware that authenticates the request's API key and sets `ctx.state.apiKey`, or answers 400/401/403/429/503.
 * Keys come from `X-API-Key` or `Authorization: Bearer` by default (see `sources`). Options are
 * checked here: an invalid value throws `invalid_options`. To protect a @koa/router router, prefer
 * `protectedRoutes` over `router.use(apiKeyAuth(…))`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { apiKeyAuth } from '@keygate/koa';
 *
 * const app = new Koa();
 * app.use(apiKeyAuth({ keygate })); // every later middleware sees a verified key
 * app.use((ctx) => {
 *   ctx.body = ctx.state.apiKey;
 * });
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware {
  const authenticate = createAuthenticator(options, accessors);
  // Not async: a cached key goes on to `next` in the same tick instead of awaiting a value that is
  // no promise (docs/benchmarks.md has what that saves).
  return (ctx, next) => {
    const outcome = authenticate(ctx);
    return outcome instanceof Promise
      ? outcome.then((settled) => finish(settled, ctx, next))
      : finish(outcome, ctx, next);
  };
}

function finish(outcome: AuthOutcome, ctx: Context, next: Next): Promise<void> | undefined {
  if (!outcome.ok) {
    send(ctx, outcome.response);
    return undefined;
  }
  if (outcome.headers) ctx.set(outcome.headers);
  if (outcome.key) ctx.state.apiKey = outcome.key;
  return next();
}

/**
 * Route middleware that answers 403 unless `ctx.state.apiKey` has the scopes (all by default), 401 without a key.
 * Use it behind `apiKeyAuth` or `protectedRoutes`. Scopes are checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * const api = new Router({ prefix: '/api' });
 * api.post('/deploys', requireScopes('deploys:write'), (ctx) => {
 *   ctx.status = 201;
 * });
 * app.use(protectedRoutes(api, { keygate }));
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: ScopeGuardOptions): Middleware {
  return routeGuard(createScopeGuard(scopes, options));
}

/**
 * Route middleware that answers 403 `wrong_environment` unless `ctx.state.apiKey` is a key of the
 * environment (the instance's `environments` option), 401 without a key. Use it behind `apiKeyAuth`
 * or `protectedRoutes`. The name is checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * const api = new Router({ prefix: '/api' });
 * api.post('/charges', requireEnvironment('live'), (ctx) => {
 *   ctx.status = 201;
 * });
 * app.use(protectedRoutes(api, { keygate }));
 * ```
 */
export function requireEnvironment(environment: string, options?: EnvironmentGuardOptions): Middleware {
  return routeGuard(createEnvironmentGuard(environment, options));
}

/**
 * Route middleware that spends `cost` credits (a number, or one computed from the context) from the
 * allowances of `ctx.state.apiKey` (`keygate.credits`), adding them to the RateLimit headers; 429
 * `quota-exceeded` when they cannot pay, 401 without a key. Use it behind `apiKeyAuth` or `protectedRoutes`.
 *
 * @example
 * ```ts
 * api.get('/search', requireCredits(1, { keygate }), search);
 * ```
 */
export function requireCredits(cost: CreditCost<Context>, options: CreditGuardOptions): Middleware {
  const guard = createCreditGuard(cost, options, accessors);
  return async (ctx, next) => {
    const result = await guard(ctx.state.apiKey, ctx);
    if (!result.ok) return send(ctx, result.response);
    if (result.headers) for (const [name, value] of Object.entries(result.headers)) ctx.append(name, value);
    await next();
  };
}

// A route middleware answering the guard's refusal, or going on.
function routeGuard(guard: ScopeGuard): Middleware {
  return async (ctx, next) => {
    const problem = guard(ctx.state.apiKey);
    if (problem) return send(ctx, problem);
    await next();
  };
}
