// The one app every conformance case runs against, built from the same route table by each
// adapter: Express, Koa and Fastify. Each app listens on a loopback port so cases can use
// supertest as well as raw sockets.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import type { ApiKey, AuthOptions, ScopeMatch } from '@keygate/core';
import * as expressAdapter from '@keygate/express';
import {
  requireCredits as fastifyCredits,
  requireEnvironment as fastifyEnvironment,
  requireScopes as fastifyScopes,
  keygatePlugin,
} from '@keygate/fastify';
import * as koaAdapter from '@keygate/koa';
import Router from '@koa/router';
import cookieParser from 'cookie-parser';
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import Koa from 'koa';

/**
 * What a test chooses about the app: the keygate instance and, optionally, sources, realm, onError
 * and rate limits; `trustProxy` makes the framework take the client address from X-Forwarded-For.
 */
export type AppOptions = Pick<AuthOptions, 'keygate' | 'sources' | 'realm' | 'onError' | 'rateLimit'> & {
  readonly trustProxy?: boolean;
};

/** A running app. */
export interface RunningApp {
  /** A listening server: a supertest target, and a port for raw requests. */
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export interface Adapter {
  readonly name: 'express' | 'koa' | 'fastify';
  start(options: AppOptions): Promise<RunningApp>;
}

type RouteAuth = 'public' | 'required' | 'optional';

interface RouteSpec {
  readonly path: string;
  readonly auth: RouteAuth;
  readonly scopes?: readonly string[];
  readonly match?: ScopeMatch;
  /** The environment the route requires (`requireEnvironment`). */
  readonly environment?: string;
  /** What the route costs (`requireCredits`): a number, or `'query'` for the `units` query parameter. */
  readonly cost?: number | 'query';
}

/** The routes of the conformance app. Every route answers with {@link view} of the attached key. */
export const ROUTES = {
  public: { path: '/public', auth: 'public' },
  me: { path: '/me', auth: 'required' },
  optional: { path: '/optional', auth: 'optional' },
  read: { path: '/scoped/read', auth: 'required', scopes: ['users:read'] },
  write: { path: '/scoped/write', auth: 'required', scopes: ['users:write'] },
  all: { path: '/scoped/all', auth: 'required', scopes: ['users:read', 'users:write'] },
  any: { path: '/scoped/any', auth: 'required', scopes: ['users:write', 'billing:read'], match: 'any' },
  optionalScoped: { path: '/optional/scoped', auth: 'optional', scopes: ['users:read'] },
  live: { path: '/env/live', auth: 'required', environment: 'live' },
  paid: { path: '/credits/fixed', auth: 'required', cost: 5 },
  metered: { path: '/credits/metered', auth: 'required', cost: 'query' },
} as const satisfies Record<string, RouteSpec>;

const routeList: readonly RouteSpec[] = Object.values(ROUTES);

// A route's cost as requireCredits takes it, reading `units` from the request's parsed query.
function costOf<Req>(cost: number | 'query', query: (request: Req) => unknown): number | ((request: Req) => number) {
  return cost === 'query' ? (request) => Number(query(request)) : cost;
}

/** What a handler sends back: the attached key's public fields, and the path of every property it holds. */
export interface KeyView {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly environment: string | null;
  /** Every own property of the key object, nested ones as `a.b`. */
  readonly fields: readonly string[];
}

function propertyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || value instanceof Date) return [];
  return Reflect.ownKeys(value).flatMap((name) => {
    const path = prefix + String(name);
    return [path, ...propertyPaths((value as Record<PropertyKey, unknown>)[name], `${path}.`)];
  });
}

function view(key: ApiKey | null | undefined): { key: KeyView | null } {
  if (!key) return { key: null };
  const { id, owner, name, scopes, environment } = key;
  return { key: { id, owner, name, scopes, environment, fields: propertyPaths(key) } };
}

/** Starts a server on a free port of `host` and gives back how to reach and close it. */
export async function listen(server: Server, host = '127.0.0.1'): Promise<RunningApp> {
  server.listen(0, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const expressApp: Adapter = {
  name: 'express',
  async start({ trustProxy, ...options }) {
    const { apiKeyAuth, requireCredits, requireEnvironment, requireScopes } = expressAdapter;
    const auth = { required: apiKeyAuth(options), optional: apiKeyAuth({ ...options, optional: true }) };
    const app = express();
    if (trustProxy) app.set('trust proxy', true);
    app.use(cookieParser());
    for (const route of routeList) {
      const chain: express.RequestHandler[] = route.auth === 'public' ? [] : [auth[route.auth]];
      if (route.scopes) chain.push(requireScopes(route.scopes, { match: route.match, realm: options.realm }));
      if (route.environment) chain.push(requireEnvironment(route.environment, { realm: options.realm }));
      if (route.cost !== undefined) {
        const cost = costOf<express.Request>(route.cost, (req) => req.query.units);
        chain.push(requireCredits(cost, { keygate: options.keygate, realm: options.realm, onError: options.onError }));
      }
      app.get(route.path, ...chain, (req, res) => {
        res.json(view(req.apiKey));
      });
    }
    return listen(createServer(app));
  },
};

const koaApp: Adapter = {
  name: 'koa',
  async start({ trustProxy, ...options }) {
    const { apiKeyAuth, requireCredits, requireEnvironment, requireScopes } = koaAdapter;
    const auth = { required: apiKeyAuth(options), optional: apiKeyAuth({ ...options, optional: true }) };
    const app = new Koa({ proxy: trustProxy === true });
    const router = new Router();
    for (const route of routeList) {
      const chain: Koa.Middleware[] = route.auth === 'public' ? [] : [auth[route.auth]];
      if (route.scopes) chain.push(requireScopes(route.scopes, { match: route.match, realm: options.realm }));
      if (route.environment) chain.push(requireEnvironment(route.environment, { realm: options.realm }));
      if (route.cost !== undefined) {
        const cost = costOf<Koa.Context>(route.cost, (ctx) => ctx.query.units);
        chain.push(requireCredits(cost, { keygate: options.keygate, realm: options.realm, onError: options.onError }));
      }
      router.get(route.path, ...chain, (ctx) => {
        ctx.body = view(ctx.state.apiKey);
      });
    }
    app.use(router.routes());
    return listen(createServer(app.callback()));
  },
};

const fastifyApp: Adapter = {
  name: 'fastify',
  async start({ trustProxy, ...options }) {
    const app = Fastify({ trustProxy: trustProxy === true });
    await app.register(fastifyCookie);
    await app.register(keygatePlugin, options);
    for (const route of routeList) {
      app.get(route.path, {
        // 'required' is left unset on purpose: it is the plugin's default.
        config: route.auth === 'public' ? { apiKey: false } : route.auth === 'optional' ? { apiKey: 'optional' } : {},
        preHandler: [
          ...(route.scopes ? [fastifyScopes(route.scopes, { match: route.match, realm: options.realm })] : []),
          ...(route.environment ? [fastifyEnvironment(route.environment, { realm: options.realm })] : []),
          ...(route.cost === undefined
            ? []
            : [
                fastifyCredits(
                  costOf<FastifyRequest>(route.cost, (request) => (request.query as { units?: unknown }).units),
                  { keygate: options.keygate, realm: options.realm, onError: options.onError },
                ),
              ]),
        ],
        handler: async (request) => view(request.apiKey),
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: app.server, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
};

/** Every adapter, for `describe.each`. */
export const adapters: readonly Adapter[] = [expressApp, koaApp, fastifyApp];
