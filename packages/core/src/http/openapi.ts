// OpenAPI 3.x for the configured sources: one security scheme per source, the requirement of a
// protected operation (any one scheme; the route's scopes as OpenAPI 3.1 role names), and the
// shared problem responses. Plain JSON for any OpenAPI generator.
import type { ScopeMatch } from '../key/scopes.js';
import { type KeySource, resolveKeySources } from './credentials.js';
import {
  type OpenApiResponse,
  type OpenApiSchema,
  PROBLEM_RESPONSES,
  PROBLEM_SCHEMA,
  PROBLEM_SCHEMA_OBJECT,
} from './openapi-responses.js';
import type { AuthOptions } from './options.js';

export type { OpenApiHeader, OpenApiResponse, OpenApiSchema } from './openapi-responses.js';

/** An OpenAPI 3.x security scheme: an API key in a header, query parameter or cookie, or a Bearer token. */
export type OpenApiSecurityScheme =
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description: string }
  | { type: 'http'; scheme: 'bearer'; description: string };

/** An OpenAPI security requirement: scheme name → required scopes (role names). */
export type SecurityRequirement = Record<string, string[]>;

/** Options of {@link openApiSecurity}: the middleware's options (only `sources` and `optional` are read). */
export type OpenApiSecurityOptions = Pick<AuthOptions, 'sources' | 'optional'>;

/** What {@link openApiSecurity} returns: all plain JSON, to merge into an OpenAPI 3.0 or 3.1 document. */
export interface OpenApiSecurity {
  /** To merge into the document's `components`: `securitySchemes`, the `KeygateProblem` schema and the shared `responses`. */
  readonly components: {
    securitySchemes: Record<string, OpenApiSecurityScheme>;
    schemas: Record<string, OpenApiSchema>;
    responses: Record<string, OpenApiResponse>;
  };
  /** The requirement of a protected operation: any one of the schemes (or none, when `optional`). */
  readonly security: SecurityRequirement[];
  /** An operation's `responses` entries: `$ref`s to the shared problem responses, by status. */
  readonly responses: Record<string, { $ref: string }>;
}

/** The scopes a route requires (one `requireScopes` guard). */
export interface RouteScopes {
  readonly scopes: readonly string[];
  readonly match?: ScopeMatch | undefined;
}

/**
 * The OpenAPI description of authentication with these options: a security scheme per source
 * (`apiKey` in header, query or cookie; `Authorization: Bearer` as `http` bearer), the security
 * requirement and the problem+json responses (400, 401, 403, 429, 500, 503) with their headers.
 *
 * @example
 * ```ts
 * const api = openApiSecurity({ sources });
 * const document = { openapi: '3.1.0', info, components: api.components, security: api.security, paths };
 * ```
 */
export function openApiSecurity(options: OpenApiSecurityOptions = {}): OpenApiSecurity {
  const sources = resolveKeySources(options.sources);
  const securitySchemes: Record<string, OpenApiSecurityScheme> = {};
  for (const source of sources) securitySchemes[schemeName(source)] = scheme(source);
  const responses: Record<string, OpenApiResponse> = {};
  const refs: Record<string, { $ref: string }> = {};
  for (const [status, [name, object]] of Object.entries(PROBLEM_RESPONSES)) {
    responses[name] = object;
    refs[status] = { $ref: `#/components/responses/${name}` };
  }
  // A copy: the caller may change it without changing the next call's.
  return structuredClone({
    components: { securitySchemes, schemas: { [PROBLEM_SCHEMA]: PROBLEM_SCHEMA_OBJECT }, responses },
    security: requirement(sources, options.optional === true, []),
    responses: refs,
  });
}

/**
 * The requirement builder of a route-aware adapter: for a route, its security requirement under
 * these options, with the scopes of its guards (each guard must pass; `any` lists alternatives).
 */
export function createOpenApiRequirement(
  options: OpenApiSecurityOptions,
): (route: { readonly optional: boolean; readonly guards: readonly RouteScopes[] }) => SecurityRequirement[] {
  const sources = resolveKeySources(options.sources);
  return (route) => requirement(sources, route.optional, route.guards);
}

function requirement(sources: readonly KeySource[], optional: boolean, guards: readonly RouteScopes[]) {
  let alternatives: string[][] = [[]];
  for (const { scopes, match } of guards) {
    alternatives =
      match === 'any'
        ? alternatives.flatMap((held) => scopes.map((scope) => union(held, [scope])))
        : alternatives.map((held) => union(held, scopes));
  }
  const names = [...new Set(sources.map(schemeName))];
  const security: SecurityRequirement[] = names.flatMap((name) => alternatives.map((scopes) => ({ [name]: scopes })));
  return optional ? [...security, {}] : security;
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];

/** The `components.securitySchemes` name of a source: `bearerAuth`, or `apiKey_<in>_<name>`. */
export function schemeName(source: KeySource): string {
  return source.in === 'bearer' ? 'bearerAuth' : `apiKey_${source.in}_${source.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

function scheme(source: KeySource): OpenApiSecurityScheme {
  if (source.in === 'bearer') {
    return {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key as a Bearer token: `Authorization: Bearer <key>`.',
    };
  }
  return {
    type: 'apiKey',
    in: source.in,
    name: source.name,
    description: `An API key in the ${source.name} ${source.in}.`,
  };
}
