/**
 * @keygate/fastify: API-key authentication for Fastify 5.
 * `app.register(keygatePlugin, { keygate })` authenticates in an `onRequest` hook and sets
 * `request.apiKey`; `requireScopes(...)`, `requireEnvironment(...)` and `requireCredits(...)` are route-level
 * hooks. Register it inside a child context to protect only that context's routes.
 */

import { type ApiKey, type AuthOptions, KeygateError } from '@keygate/core';
import { type AuthOutcome, createAuthenticator } from '@keygate/core/adapter';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { accessors, COOKIE_PLUGIN_REQUIRED } from './accessors.js';
import { documentSecurity } from './openapi.js';
import { withoutRegisterOptions } from './register-options.js';
import { send } from './send.js';

/** Per-route authentication: `false` makes a route public, `'optional'` attaches a key only when one is sent. */
export type RouteApiKeyConfig = false | 'optional' | 'required';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key's public metadata, or null when the route is public or the optional key was not sent. */
    apiKey: ApiKey | null;
  }
  interface FastifyContextConfig {
    /** How this route authenticates (default: as the plugin's `optional` option says). */
    apiKey?: RouteApiKeyConfig;
  }
}

/**
 * Options of the plugin: see `AuthOptions` in @keygate/core. Cookie sources need `@fastify/cookie`
 * registered first: without it the registration fails with `invalid_options`.
 */
export type KeygatePluginOptions = AuthOptions;

// Async, so that invalid options reject registration instead of throwing out of avvio.
const plugin: FastifyPluginAsync<KeygatePluginOptions> = async (fastify, registered) => {
  const options = withoutRegisterOptions(registered);
  const required = createAuthenticator({ ...options, optional: false }, accessors);
  const optional = createAuthenticator({ ...options, optional: true }, accessors);
  const byDefault = options.optional === true ? optional : required;
  // A cookie source reads @fastify/cookie's request.cookies: registered after keygate, or not at
  // all, every request would fail; the registration fails instead.
  if (options.sources?.some((source) => source.in === 'cookie') && !fastify.hasRequestDecorator('cookies')) {
    throw new KeygateError('invalid_options', COOKIE_PLUGIN_REQUIRED);
  }
  documentSecurity(fastify, options);
  // A child context may register keygate again (e.g. another realm): the decorator exists once.
  if (!fastify.hasRequestDecorator('apiKey')) fastify.decorateRequest('apiKey', null);
  fastify.addHook('onRequest', (request, reply, hookDone) => {
    const mode = request.routeOptions.config.apiKey;
    if (mode === false) return hookDone();
    const authenticate = mode === 'optional' ? optional : mode === 'required' ? required : byDefault;
    const outcome = authenticate(request);
    if (outcome instanceof Promise) outcome.then((settled) => finish(settled, request, reply, hookDone), hookDone);
    else finish(outcome, request, reply, hookDone);
  });
};

/**
 * The keygate plugin, wrapped with fastify-plugin so it applies to the context that registers it:
 * an `onRequest` hook authenticates every route of that context (and its children) and sets
 * `request.apiKey`. A route's `config.apiKey` (`false`, `'optional'`, `'required'`) overrides the
 * default. Each protected route declared afterwards gets the `schema.security` of the options (and
 * its `requireScopes` scopes) for @fastify/swagger. Invalid options reject the registration with `invalid_options`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { keygatePlugin } from '@keygate/fastify';
 *
 * const app = Fastify();
 * await app.register(keygatePlugin, { keygate });
 * app.get('/health', { config: { apiKey: false } }, async () => 'ok'); // public
 * app.get('/me', async (request) => request.apiKey);
 * ```
 */
export const keygatePlugin = fp(plugin, { fastify: '5.x', name: '@keygate/fastify' });
export default keygatePlugin;

function finish(
  outcome: AuthOutcome,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!outcome.ok) {
    send(reply, outcome.response); // answered early from a callback-style hook: done() is not called
    return;
  }
  if (outcome.headers) reply.headers(outcome.headers);
  if (outcome.key) request.apiKey = outcome.key;
  done();
}

/** Route-level guards: scopes, environment, credits. */
export { requireCredits, requireEnvironment, requireScopes, type ScopeHook } from './guards.js';
/** GitHub's secret scanning partner program: the leaked-key endpoint as an encapsulated Fastify plugin; `prefix` places it. */
export { type LeakedKeyPluginOptions, leakedKeyPlugin } from './leaks.js';
/** Key-management routes (`/keys`…) as an encapsulated Fastify plugin; `prefix` places them. */
export { type KeyManagementPluginOptions, keyManagementPlugin } from './management.js';
