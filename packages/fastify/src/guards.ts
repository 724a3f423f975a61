// The route-level hooks of the Fastify adapter: core's scope, environment and credit guards, each
// answering its refusal or letting the route go on.
import type { CreditCost, CreditGuardOptions, EnvironmentGuardOptions, ScopeGuardOptions } from '@keygate/core';
import { createCreditGuard, createEnvironmentGuard, createScopeGuard, type ScopeGuard } from '@keygate/core/adapter';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { accessors } from './accessors.js';
import { withScopes } from './openapi.js';
import { send } from './send.js';

/** A hook usable as a route's `onRequest` or `preHandler`. */
export type ScopeHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * A route hook that answers 403 unless `request.apiKey` has the scopes (all by default), 401 without a key.
 * Use it as a route's `onRequest` or `preHandler` in a context where `keygatePlugin` is registered.
 * Scopes are checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * app.post('/deploys', { onRequest: requireScopes('deploys:write') }, async () => 'queued');
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: ScopeGuardOptions): ScopeHook {
  return withScopes(routeGuard(createScopeGuard(scopes, options)), scopes, options?.match);
}

/**
 * A route hook that answers 403 `wrong_environment` unless `request.apiKey` is a key of the
 * environment (the instance's `environments` option), 401 without a key. Use it as a route's
 * `onRequest` or `preHandler` in a context where `keygatePlugin` is registered. The name is
 * checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * app.post('/charges', { onRequest: requireEnvironment('live') }, async () => 'charged');
 * ```
 */
export function requireEnvironment(environment: string, options?: EnvironmentGuardOptions): ScopeHook {
  return routeGuard(createEnvironmentGuard(environment, options));
}

/**
 * A route hook that spends `cost` credits (a number, or one computed from the request) from the
 * allowances of `request.apiKey` (`keygate.credits`), adding them to the RateLimit headers; 429
 * `quota-exceeded` when they cannot pay, 401 without a key. Use it as a route's `onRequest` or
 * `preHandler` in a context where `keygatePlugin` is registered.
 *
 * @example
 * ```ts
 * app.get('/search', { preHandler: requireCredits(1, { keygate }) }, search);
 * ```
 */
export function requireCredits(
  cost: CreditCost<FastifyRequest>,
  options: CreditGuardOptions,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const guard = createCreditGuard(cost, options, accessors);
  return async (request, reply) => {
    const result = await guard(request.apiKey, request);
    if (!result.ok) {
      await send(reply, result.response);
      return;
    }
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      const before = reply.getHeader(name);
      reply.header(name, before === undefined ? value : `${String(before)}, ${value}`);
    }
  };
}

// A route hook answering the guard's refusal, or going on.
function routeGuard(guard: ScopeGuard): ScopeHook {
  return (request, reply, done) => {
    const problem = guard(request.apiKey);
    if (problem) send(reply, problem);
    else done();
  };
}
