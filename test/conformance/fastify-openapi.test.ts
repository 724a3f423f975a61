// Fastify only: the plugin documents each protected route's security for @fastify/swagger, and the
// document, with openApiSecurity's components, is a valid OpenAPI document.
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import { type AuthOptions, type KeySource, openApiSecurity } from '@keygate/core';
import { keygatePlugin, requireScopes } from '@keygate/fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createFixture } from './helpers.js';

const EVERY_SOURCE: readonly KeySource[] = [
  { in: 'header', name: 'X-API-Key' },
  { in: 'bearer' },
  { in: 'query', name: 'api_key' },
  { in: 'cookie', name: 'api_key' },
];

type Operation = { security?: Record<string, string[]>[]; responses?: object };
type Document = { paths: Record<string, { get?: Operation }>; components: object; security?: unknown };

/** The swagger document of an app with public, protected, optional and scoped routes. */
async function swaggerDocument(openapi: '3.0.3' | '3.1.0', sources = EVERY_SOURCE): Promise<Document> {
  const options: AuthOptions = { keygate: createFixture().keygate, sources };
  const api = openApiSecurity(options);
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: { openapi, info: { title: 'test', version: '1.0.0' }, components: api.components },
  });
  app.get('/outside', async () => 'no keygate here');
  await app.register(async (context) => {
    await context.register(keygatePlugin, options);
    context.get('/me', async () => 'me');
    context.get('/health', { config: { apiKey: false } }, async () => 'ok');
    context.get('/maybe', { config: { apiKey: 'optional' } }, async () => 'maybe');
    context.get('/read', { onRequest: requireScopes('users:read') }, async () => 'read');
    context.get('/any', { preHandler: [requireScopes(['a', 'b'], { match: 'any' })] }, async () => 'any');
    context.get('/own', { schema: { security: [{ bearerAuth: ['custom'] }] } as object }, async () => 'own');
    context.get('/responses', { schema: { response: { 200: { type: 'string' } } } }, async () => 'typed');
  });
  await app.ready();
  const document = app.swagger() as unknown as Document;
  await app.close();
  return document;
}

const securityOf = (document: Document, path: string) => document.paths[path]?.get?.security;

describe('fastify: OpenAPI security of the routes', async () => {
  const document = await swaggerDocument('3.1.0');
  const every = ['apiKey_header_x-api-key', 'bearerAuth', 'apiKey_query_api_key', 'apiKey_cookie_api_key'];

  it('gives a protected route any one of the configured schemes', () => {
    expect(securityOf(document, '/me')).toEqual(every.map((name) => ({ [name]: [] })));
  });

  it('gives a route of config.apiKey false no security', () => {
    expect(securityOf(document, '/health')).toBeUndefined();
  });

  it('leaves routes outside the context that registered keygate alone (encapsulation)', () => {
    expect(securityOf(document, '/outside')).toBeUndefined();
  });

  it('lets an optional route be called without a key ({} among the requirements)', () => {
    expect(securityOf(document, '/maybe')).toContainEqual({});
  });

  it('lists the scopes of requireScopes as required roles', () => {
    expect(securityOf(document, '/read')).toEqual(every.map((name) => ({ [name]: ['users:read'] })));
  });

  it('gives one alternative per scope of requireScopes with match any', () => {
    expect(securityOf(document, '/any')).toContainEqual({ bearerAuth: ['a'] });
    expect(securityOf(document, '/any')).toContainEqual({ bearerAuth: ['b'] });
  });

  it("keeps a route's own schema.security", () => {
    expect(securityOf(document, '/own')).toEqual([{ bearerAuth: ['custom'] }]);
  });

  it('keeps the rest of a route schema', () => {
    expect(document.paths['/responses']?.get?.responses).toHaveProperty('200');
    expect(securityOf(document, '/responses')).toHaveLength(4);
  });
});

describe('fastify: the OpenAPI document is valid', () => {
  it.each(['3.0.3', '3.1.0'] as const)('validates as OpenAPI %s with every kind of source', async (version) => {
    const result = await new Validator().validate(await swaggerDocument(version));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('validates with the default sources', async () => {
    const result = await new Validator().validate(await swaggerDocument('3.1.0', [{ in: 'bearer' }]));
    expect(result.valid).toBe(true);
  });

  it("validates with the problem responses referenced from an operation's responses", async () => {
    const api = openApiSecurity({ sources: EVERY_SOURCE });
    const document = {
      openapi: '3.1.0',
      info: { title: 'test', version: '1.0.0' },
      components: api.components,
      security: api.security,
      paths: { '/me': { get: { responses: { 200: { description: 'ok' }, ...api.responses } } } },
    };
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
