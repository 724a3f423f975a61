import { describe, expect, it } from 'vitest';
import { createOpenApiRequirement, openApiSecurity } from '../../src/http/openapi.js';
import {
  authProblems,
  insufficientScopeProblem,
  type ProblemResponse,
  unavailableProblem,
} from '../../src/http/problem.js';
import { quotaExceededProblem } from '../../src/http/rate-limit-problem.js';

describe('openApiSecurity: one security scheme per source', () => {
  it('describes the default sources: X-API-Key as an apiKey header, Authorization: Bearer as http bearer', () => {
    expect(openApiSecurity().components.securitySchemes).toEqual({
      'apiKey_header_x-api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  it('describes a query source as an apiKey in query', () => {
    const { securitySchemes } = openApiSecurity({ sources: [{ in: 'query', name: 'api_key' }] }).components;
    expect(securitySchemes).toEqual({
      apiKey_query_api_key: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'api_key' }),
    });
  });

  it('describes a cookie source as an apiKey in cookie', () => {
    const { securitySchemes } = openApiSecurity({ sources: [{ in: 'cookie', name: 'session key' }] }).components;
    expect(securitySchemes).toEqual({
      apiKey_cookie_session_key: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'session key' }),
    });
  });

  it('names a custom header as configured (lower-cased)', () => {
    const { securitySchemes } = openApiSecurity({ sources: [{ in: 'header', name: 'X-Custom-Key' }] }).components;
    expect(Object.values(securitySchemes)).toEqual([expect.objectContaining({ in: 'header', name: 'x-custom-key' })]);
  });

  it('refuses invalid sources with invalid_options, as the middleware does', () => {
    expect(() => openApiSecurity({ sources: [] })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});

describe('openApiSecurity: the security requirement', () => {
  it('accepts any one of the schemes', () => {
    expect(openApiSecurity().security).toEqual([{ 'apiKey_header_x-api-key': [] }, { bearerAuth: [] }]);
  });

  it('also accepts no key when optional', () => {
    expect(openApiSecurity({ sources: [{ in: 'bearer' }], optional: true }).security).toEqual([{ bearerAuth: [] }, {}]);
  });

  it('lists the scopes of a route as required roles of each scheme (match all)', () => {
    const requirement = createOpenApiRequirement({ sources: [{ in: 'bearer' }] });
    const guards = [{ scopes: ['users:read', 'users:write'] }];
    expect(requirement({ optional: false, guards })).toEqual([{ bearerAuth: ['users:read', 'users:write'] }]);
  });

  it('gives one alternative per scope for match any', () => {
    const requirement = createOpenApiRequirement({ sources: [{ in: 'bearer' }] });
    const guards = [{ scopes: ['a', 'b'], match: 'any' as const }];
    expect(requirement({ optional: false, guards })).toEqual([{ bearerAuth: ['a'] }, { bearerAuth: ['b'] }]);
  });

  it('requires every guard of a route: the scopes of an all guard join each alternative of an any guard', () => {
    const requirement = createOpenApiRequirement({ sources: [{ in: 'bearer' }] });
    const guards = [{ scopes: ['a', 'b'], match: 'any' as const }, { scopes: ['c'] }];
    expect(requirement({ optional: false, guards })).toEqual([{ bearerAuth: ['a', 'c'] }, { bearerAuth: ['b', 'c'] }]);
  });
});

describe('openApiSecurity: the problem responses', () => {
  const api = openApiSecurity();
  const schema = api.components.schemas.KeygateProblem as {
    required: string[];
    properties: Record<string, { enum?: string[] }>;
  };

  it('references a shared response for 400, 401, 403, 429, 500 and 503', () => {
    expect(Object.keys(api.responses).sort()).toEqual(['400', '401', '403', '429', '500', '503']);
    for (const { $ref } of Object.values(api.responses)) {
      const name = $ref.replace('#/components/responses/', '');
      expect(api.components.responses[name]).toMatchObject({
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/KeygateProblem' } } },
      });
    }
  });

  it('describes the body of every authentication answer: its required fields and its code', () => {
    const answers: ProblemResponse[] = [
      ...Object.values(authProblems('api')),
      insufficientScopeProblem('api', ['a'], 'all'),
      unavailableProblem(1),
      quotaExceededProblem(['burst'], 1, { 'retry-after': '1' }),
    ];
    for (const { body } of answers) {
      for (const field of schema.required) expect(body).toHaveProperty(field);
      expect(schema.properties.code?.enum).toContain(body.code);
      for (const field of Object.keys(body)) expect(schema.properties).toHaveProperty([field]);
    }
  });

  it('documents the headers each answer carries', () => {
    const headersOf = (status: string) => {
      const name = String(api.responses[status]?.$ref).replace('#/components/responses/', '');
      return Object.keys((api.components.responses[name] as { headers: object }).headers);
    };
    expect(headersOf('401')).toEqual(['WWW-Authenticate']);
    expect(headersOf('400')).toEqual(['WWW-Authenticate']);
    expect(headersOf('429')).toEqual(['Retry-After', 'RateLimit', 'RateLimit-Policy']);
    expect(headersOf('503')).toEqual(['Retry-After']);
  });
});
