// Compile-time only (tsc --noEmit): each adapter's request augmentation is typed, and wrong uses fail.
import type { ApiKey } from '@keygate/core';
import { apiKeyAuth as expressAuth } from '@keygate/express';
import { keygatePlugin } from '@keygate/fastify';
import { apiKeyAuth as koaAuth } from '@keygate/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_proof?: T): void => {};

export function expressAugmentation(keygate: Parameters<typeof expressAuth>[0]['keygate']): void {
  const app = express();
  app.use(expressAuth({ keygate }));
  app.get('/', (req, res) => {
    const scopes = req.apiKey?.scopes;
    assertType<Equal<typeof scopes, readonly string[] | undefined>>();
    assertType<Equal<typeof req.apiKey, ApiKey | undefined>>();
    const owner: string | undefined = req.apiKey?.owner;
    // @ts-expect-error the key is optional on the request: it must be narrowed before use
    const id: string = req.apiKey.id;
    // @ts-expect-error req.apiKey holds an ApiKey, not a number
    req.apiKey = 42;
    // @ts-expect-error scopes are read-only
    req.apiKey?.scopes.push('admin:*');
    // @ts-expect-error the public view carries no hash
    const hash = req.apiKey?.hash;
    res.json({ scopes, owner, id, hash });
  });
}

export function koaAugmentation(keygate: Parameters<typeof koaAuth>[0]['keygate']): void {
  const app = new Koa();
  app.use(koaAuth({ keygate }));
  app.use((ctx) => {
    const key = ctx.state.apiKey;
    assertType<Equal<typeof key, ApiKey | undefined>>();
    const scopes: readonly string[] | undefined = ctx.state.apiKey?.scopes;
    // @ts-expect-error ctx.state.apiKey holds an ApiKey, not a number
    ctx.state.apiKey = 42;
    // @ts-expect-error the key may be absent: it must be narrowed before use
    const owner: string = ctx.state.apiKey.owner;
    ctx.body = { scopes, owner };
  });
}

export async function fastifyAugmentation(keygate: Parameters<typeof keygatePlugin>[1]['keygate']): Promise<void> {
  const app = Fastify();
  await app.register(keygatePlugin, { keygate });
  app.get('/', { config: { apiKey: 'optional' } }, async (request) => {
    assertType<Equal<typeof request.apiKey, ApiKey | null>>();
    const scopes: readonly string[] | undefined = request.apiKey?.scopes;
    // @ts-expect-error request.apiKey holds an ApiKey or null, not a number
    request.apiKey = 42;
    // @ts-expect-error the key is null on public and optional routes: it must be narrowed before use
    const id: string = request.apiKey.id;
    return { scopes, id };
  });
  // @ts-expect-error route config apiKey is false, 'optional' or 'required'
  app.get('/bad', { config: { apiKey: 'sometimes' } }, async () => ({}));
}
