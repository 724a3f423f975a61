// The public types as an application sees them through the built packages (type-checked by
// `vitest --typecheck`, never run): what createKeygate takes and gives, what a Keygate does, and
// the key each adapter attaches to the request.
import type {
  ApiKey,
  AuthOptions,
  CreatedKey,
  CreateKeyInput,
  Keygate,
  KeygateOptions,
  KeyStore,
  VerifyResult,
} from '@keygate/core';
import { createKeygate, MemoryStore } from '@keygate/core';
import {
  apiKeyAuth as expressAuth,
  requireEnvironment as expressEnvironment,
  requireScopes as expressScopes,
} from '@keygate/express';
import {
  requireEnvironment as fastifyEnvironment,
  requireScopes as fastifyScopes,
  keygatePlugin,
  type RouteApiKeyConfig,
} from '@keygate/fastify';
import {
  apiKeyAuth as koaAuth,
  requireEnvironment as koaEnvironment,
  requireScopes as koaScopes,
  protectedRoutes,
} from '@keygate/koa';
import Router from '@koa/router';
import express, { type RequestHandler } from 'express';
import Fastify from 'fastify';
import Koa, { type Middleware } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';

declare const keygate: Keygate;

describe('createKeygate', () => {
  it('takes KeygateOptions and returns a Keygate', () => {
    expectTypeOf(createKeygate).parameters.toEqualTypeOf<[options: KeygateOptions]>();
    expectTypeOf(createKeygate).returns.toEqualTypeOf<Keygate>();
  });

  it('types apiKey.environment as an environment name or null, and takes one in keys.create', () => {
    expectTypeOf<ApiKey['environment']>().toEqualTypeOf<string | null>();
    expectTypeOf<CreateKeyInput['environment']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<KeygateOptions['environments']>().toEqualTypeOf<{ readonly [prefix: string]: string } | undefined>();
  });

  it('needs a store and nothing else', () => {
    expectTypeOf<{ store: KeyStore }>().toExtend<KeygateOptions>();
    expectTypeOf<{ prefix: string }>().not.toExtend<KeygateOptions>();
  });

  it('accepts a MemoryStore as its store', () => {
    expectTypeOf<MemoryStore>().toExtend<KeyStore>();
  });

  it('rejects an option it does not know', () => {
    // @ts-expect-error `prefx` is no option of createKeygate
    createKeygate({ store: new MemoryStore(), prefx: 'sk_live' });
  });

  it('types the cache option as false or its bounds', () => {
    expectTypeOf<KeygateOptions['cache']>().toEqualTypeOf<
      false | { max?: number; ttlMs?: number; connections?: boolean } | undefined
    >();
  });
});

describe('Keygate', () => {
  it('verifies a key to a VerifyResult', () => {
    expectTypeOf(keygate.verify).parameter(0).toBeString();
    expectTypeOf(keygate.verify).returns.resolves.toEqualTypeOf<VerifyResult>();
  });

  it('gives the ApiKey once a VerifyResult is narrowed to ok', () => {
    const result = {} as VerifyResult;
    if (result.ok) expectTypeOf(result.key).toEqualTypeOf<ApiKey>();
    else expectTypeOf(result).not.toHaveProperty('key');
  });

  it('creates a key from a CreateKeyInput and resolves to the key once and its public view', () => {
    expectTypeOf(keygate.keys.create).parameter(0).toEqualTypeOf<CreateKeyInput>();
    expectTypeOf(keygate.keys.create).returns.resolves.toEqualTypeOf<CreatedKey>();
    expectTypeOf<CreatedKey['key']>().toBeString();
    expectTypeOf<CreatedKey['apiKey']>().toEqualTypeOf<ApiKey>();
  });

  it('needs a name and an owner to create a key', () => {
    // @ts-expect-error a key needs a name
    void keygate.keys.create({ owner: 'team_42' });
  });

  it('is read-only', () => {
    // @ts-expect-error the prefix of an instance cannot be reassigned
    keygate.prefix = 'sk_test';
  });

  it('closes with a promise', () => {
    expectTypeOf(keygate.close).returns.toEqualTypeOf<Promise<void>>();
  });
});

describe('ApiKey', () => {
  it('carries no hash', () => {
    expectTypeOf<ApiKey>().not.toHaveProperty('hash');
  });

  it('has read-only scopes', () => {
    expectTypeOf<ApiKey['scopes']>().toEqualTypeOf<readonly string[]>();
  });
});

describe('@keygate/express', () => {
  it('makes apiKeyAuth a RequestHandler taking the AuthOptions of core', () => {
    expectTypeOf(expressAuth).parameters.toEqualTypeOf<[options: AuthOptions]>();
    expectTypeOf(expressAuth).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf(expressScopes('deploys:write')).toEqualTypeOf<RequestHandler>();
  });

  it('makes requireEnvironment a RequestHandler taking an environment name', () => {
    expectTypeOf(expressEnvironment('live')).toEqualTypeOf<RequestHandler>();
    // @ts-expect-error requireEnvironment takes an environment name
    expressEnvironment();
  });

  it('types req.apiKey as an ApiKey that may be absent', () => {
    express().get('/me', (req, res) => {
      expectTypeOf(req.apiKey).toEqualTypeOf<ApiKey | undefined>();
      res.end();
    });
  });

  it('refuses a req.apiKey that is no ApiKey', () => {
    express().get('/me', (req, res) => {
      // @ts-expect-error req.apiKey holds an ApiKey
      req.apiKey = { id: 'k' };
      res.end();
    });
  });
});

describe('@keygate/koa', () => {
  it('makes apiKeyAuth and requireScopes Koa middleware', () => {
    expectTypeOf(koaAuth({ keygate })).toExtend<Middleware>();
    expectTypeOf(koaScopes('deploys:write')).toExtend<Middleware>();
    expectTypeOf(koaEnvironment('live')).toExtend<Middleware>();
  });

  it("makes protectedRoutes middleware an app uses in place of the router's routes()", () => {
    const api = new Router({ prefix: '/api' });
    new Koa().use(protectedRoutes(api, { keygate }));
    // @ts-expect-error protectedRoutes needs the options of apiKeyAuth
    protectedRoutes(api);
  });

  it('types ctx.state.apiKey as an ApiKey that may be absent, in app middleware', () => {
    new Koa().use((ctx) => {
      expectTypeOf(ctx.state.apiKey).toEqualTypeOf<ApiKey | undefined>();
    });
  });

  it('types ctx.state.apiKey as an ApiKey that may be absent, in a @koa/router route', () => {
    new Router().get('/me', (ctx) => {
      expectTypeOf(ctx.state.apiKey).toEqualTypeOf<ApiKey | undefined>();
    });
  });
});

describe('@keygate/fastify', () => {
  it('types request.apiKey as an ApiKey or null', () => {
    Fastify().get('/me', async (request) => {
      expectTypeOf(request.apiKey).toEqualTypeOf<ApiKey | null>();
    });
  });

  it("takes the AuthOptions of core as the plugin's options", async () => {
    await Fastify().register(keygatePlugin, { keygate, optional: true });
    // @ts-expect-error the plugin needs a keygate
    await Fastify().register(keygatePlugin, {});
  });

  it('lets a route choose false, optional or required as its apiKey config', () => {
    expectTypeOf<RouteApiKeyConfig>().toEqualTypeOf<false | 'optional' | 'required'>();
    Fastify().get('/health', { config: { apiKey: false } }, async () => 'ok');
    // @ts-expect-error a route's apiKey config is false, 'optional' or 'required'
    Fastify().get('/health', { config: { apiKey: true } }, async () => 'ok');
  });

  it('makes requireScopes a route hook', () => {
    Fastify().post('/deploys', { onRequest: fastifyScopes('deploys:write') }, async () => 'queued');
    Fastify().post('/charges', { onRequest: fastifyEnvironment('live') }, async () => 'charged');
  });
});
