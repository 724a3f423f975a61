// Each protected route's `schema.security` (with the scopes of its requireScopes hooks), set in an
// `onRoute` hook so that @fastify/swagger documents it: core builds the requirement.
import type { AuthOptions, ScopeMatch, SecurityRequirement } from '@keygate/core';
import { createOpenApiRequirement, type RouteScopes } from '@keygate/core/adapter';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';

// The scopes each requireScopes hook checks.
const scopesOf = new WeakMap<object, RouteScopes>();
// The requirements set here: a context registering keygate again replaces them, never the route's own.
const ours = new WeakSet<SecurityRequirement[]>();
const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** Remembers the scopes a requireScopes hook checks, for the routes that use it. */
export function withScopes<H extends object>(hook: H, scopes: string | readonly string[], match?: ScopeMatch): H {
  scopesOf.set(hook, { scopes: typeof scopes === 'string' ? [scopes] : [...scopes], match });
  return hook;
}

/**
 * Adds to every route later declared in this context and its children (Fastify's encapsulation)
 * the security requirement of the keygate options, unless the route is public (`config.apiKey:
 * false`) or declares its own `schema.security`.
 */
export function documentSecurity(fastify: FastifyInstance, options: AuthOptions): void {
  const requirement = createOpenApiRequirement(options);
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const mode = route.config?.apiKey;
    // `security` is @fastify/swagger's field of a route schema, not in Fastify's type.
    const schema = route.schema as (FastifySchema & { security?: SecurityRequirement[] }) | undefined;
    const own = schema?.security;
    if (mode === false || (own !== undefined && !ours.has(own))) return;
    const optional = mode === 'optional' || (mode === undefined && options.optional === true);
    const security = requirement({ optional, guards: guardsOf(route) });
    ours.add(security);
    route.schema = { ...schema, security } as FastifySchema;
  });
}

function guardsOf(route: RouteOptions): RouteScopes[] {
  const guards: RouteScopes[] = [];
  for (const name of HOOKS) {
    const hooks: unknown = route[name];
    for (const hook of Array.isArray(hooks) ? hooks : [hooks]) {
      const scopes = typeof hook === 'function' ? scopesOf.get(hook) : undefined;
      if (scopes) guards.push(scopes);
    }
  }
  return guards;
}
