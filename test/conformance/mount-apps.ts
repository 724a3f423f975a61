// Apps for the hostile-mounts suite: every way the README or an example mounts keygate, in each
// framework, around the same two protected handlers (GET <base>/me and every method on <base>/all)
// and a public GET /public. A protected handler records that it ran, so a test can tell
// "refused" from "ran the handler" whatever status the framework answers.
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Keygate } from '@keygate/core';
import { apiKeyAuth as expressAuth } from '@keygate/express';
import { keygatePlugin } from '@keygate/fastify';
import { apiKeyAuth as koaAuth, protectedRoutes } from '@keygate/koa';
import Router from '@koa/router';
import express from 'express';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import Koa from 'koa';
import { buildApp as expressExample } from '../../examples/express/src/app.js';
import { buildApp as fastifyExample } from '../../examples/fastify/src/app.js';
import { buildApp as koaExample } from '../../examples/koa/src/app.js';
import { listen } from './apps.js';

/** A running app and the protected handlers that ran (clear it with `ran.length = 0`). */
export interface MountApp {
  readonly port: number;
  /** `METHOD url` of every protected handler call, in order. */
  readonly ran: string[];
  close(): Promise<void>;
}

/** One way of mounting keygate. */
export interface MountStyle {
  readonly framework: 'express' | 'koa' | 'fastify';
  /** How keygate is mounted, as a test title fragment. */
  readonly name: string;
  /** Path prefix of the protected handlers: `<base>/me` (GET) and `<base>/all` (every method). */
  readonly base: string;
  start(keygate: Keygate): Promise<MountApp>;
}

/** Registers the protected handlers (both, or `only` one) on a router or app, under `prefix` when given. */
type Routes<T> = (target: T, prefix?: string, only?: 'me' | 'all') => void;
type Mount<App, Auth, Target> = (
  app: App,
  auth: Auth,
  routes: Routes<Target>,
  keygate: Keygate,
) => void | Promise<void>;

// Express ----------------------------------------------------------------------------------

function expressStyle(
  name: string,
  base: string,
  mount: Mount<express.Express, express.RequestHandler, express.Router>,
  settings: Record<string, unknown> = {},
) {
  const start = async (keygate: Keygate): Promise<MountApp> => {
    const ran: string[] = [];
    const app = express();
    // Before any route: the app's router takes 'case sensitive routing' when it is first used.
    for (const [name, value] of Object.entries(settings)) app.set(name, value);
    app.get('/public', (_req, res) => void res.json({ public: true }));
    const handler: express.RequestHandler = (req, res) => {
      ran.push(`${req.method} ${req.originalUrl}`);
      res.json({ ran: true });
    };
    const routes: Routes<express.Router> = (target, prefix = '', only) => {
      if (only !== 'all') target.get(`${prefix}/me`, handler);
      if (only !== 'me') target.all(`${prefix}/all`, handler);
    };
    await mount(app, expressAuth({ keygate }), routes, keygate);
    return { ...(await listen(createServer(app))), ran };
  };
  return { framework: 'express', name, base, start } satisfies MountStyle;
}

const expressStyles: MountStyle[] = [
  expressStyle("app.use('/api', apiKeyAuth()) before app.get('/api/me')", '/api', (app, auth, routes) => {
    app.use('/api', auth);
    routes(app, '/api');
  }),
  expressStyle('router.use(apiKeyAuth()) in a router mounted at the root', '/api', (app, auth, routes) => {
    const router = express.Router().use(auth);
    routes(router, '/api');
    app.use(router);
  }),
  expressStyle(
    "router.use(apiKeyAuth()) in a router mounted with app.use('/api', router)",
    '/api',
    (app, auth, routes) => {
      const router = express.Router().use(auth);
      routes(router);
      app.use('/api', router);
    },
  ),
  expressStyle(
    "router.use('/v1', apiKeyAuth(), nested) in a router mounted under '/api'",
    '/api/v1',
    (app, auth, routes) => {
      const nested = express.Router();
      routes(nested);
      app.use('/api', express.Router().use('/v1', auth, nested));
    },
  ),
  expressStyle(
    "router.use(apiKeyAuth()) in a router of an app with 'case sensitive routing'",
    '/api',
    (app, auth, routes) => {
      const router = express.Router().use(auth);
      routes(router);
      app.use('/api', router);
    },
    { 'case sensitive routing': true },
  ),
];

// Koa --------------------------------------------------------------------------------------

function koaStyle(name: string, base: string, mount: Mount<Koa, Koa.Middleware, Router>) {
  const start = async (keygate: Keygate): Promise<MountApp> => {
    const ran: string[] = [];
    const app = new Koa();
    const pub = new Router().get('/public', (ctx) => {
      ctx.body = { public: true };
    });
    app.use(pub.routes());
    const handler: Koa.Middleware = (ctx) => {
      ran.push(`${ctx.method} ${ctx.originalUrl}`);
      ctx.body = { ran: true };
    };
    const routes: Routes<Router> = (target, prefix = '', only) => {
      if (only !== 'all') target.get(`${prefix}/me`, handler);
      if (only !== 'me') target.all(`${prefix}/all`, handler);
    };
    await mount(app, koaAuth({ keygate }), routes, keygate);
    return { ...(await listen(createServer(app.callback()))), ran };
  };
  return { framework: 'koa', name, base, start } satisfies MountStyle;
}

const koaStyles: MountStyle[] = [
  koaStyle('app.use(apiKeyAuth()) before the router', '/api', (app, auth, routes) => {
    const api = new Router({ prefix: '/api' });
    routes(api);
    app.use(auth).use(api.routes()).use(api.allowedMethods());
  }),
  koaStyle("protectedRoutes(router) of a router with prefix '/api'", '/api', (app, _auth, routes, keygate) => {
    const api = new Router({ prefix: '/api' });
    routes(api);
    app.use(protectedRoutes(api, { keygate })).use(api.allowedMethods());
  }),
  koaStyle(
    "protectedRoutes(router) of a router nesting another with router.use('/v1', nested.routes())",
    '/api/v1',
    (app, _auth, routes, keygate) => {
      const api = new Router({ prefix: '/api' });
      const nested = new Router();
      routes(nested);
      api.use('/v1', nested.routes());
      app.use(protectedRoutes(api, { keygate })).use(api.allowedMethods());
    },
  ),
  koaStyle('router.use(apiKeyAuth()) on a router without a prefix', '/api', (app, auth, routes) => {
    const router = new Router().use(auth);
    routes(router, '/api');
    app.use(router.routes()).use(router.allowedMethods());
  }),
];

// Fastify ----------------------------------------------------------------------------------

type FastifyRegister = (scope: FastifyInstance) => Promise<unknown>;

function fastifyStyle(
  name: string,
  base: string,
  mount: Mount<FastifyInstance, FastifyRegister, FastifyInstance>,
  options?: FastifyServerOptions,
) {
  const start = async (keygate: Keygate): Promise<MountApp> => {
    const ran: string[] = [];
    const app = Fastify(options);
    app.get('/public', { config: { apiKey: false } }, async () => ({ public: true }));
    const handler = async (request: { method: string; url: string }) => {
      ran.push(`${request.method} ${request.url}`);
      return { ran: true };
    };
    const routes: Routes<FastifyInstance> = (target, prefix = '', only) => {
      if (only !== 'all') target.get(`${prefix}/me`, handler);
      if (only !== 'me') target.all(`${prefix}/all`, handler);
    };
    await mount(app, async (scope) => scope.register(keygatePlugin, { keygate }), routes, keygate);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, ran, close: () => app.close() };
  };
  return { framework: 'fastify', name, base, start } satisfies MountStyle;
}

const fastifyStyles: MountStyle[] = [
  fastifyStyle(
    'the plugin at the root, one route declared before it and one after',
    '/api',
    async (app, register, routes) => {
      routes(app, '/api', 'me');
      await register(app);
      routes(app, '/api', 'all');
    },
  ),
  fastifyStyle(
    'the plugin at the root, routes in a context registered with a prefix',
    '/api',
    async (app, register, routes) => {
      await register(app);
      await app.register(async (api) => routes(api), { prefix: '/api' });
    },
  ),
  fastifyStyle(
    'the plugin at the root, registered after a prefixed context with the routes has loaded',
    '/api',
    async (app, register, routes) => {
      await app.register(async (api) => routes(api), { prefix: '/api' });
      await register(app);
    },
  ),
  fastifyStyle("the plugin in a child context registered with prefix '/api'", '/api', async (app, register, routes) => {
    await app.register(
      async (api) => {
        await register(api);
        routes(api);
      },
      { prefix: '/api' },
    );
  }),
  fastifyStyle(
    'the plugin in a grandchild context, one route declared before it and one after',
    '/api/v1',
    async (app, register, routes) => {
      const v1 = async (scope: FastifyInstance) => {
        routes(scope, '', 'me');
        await register(scope);
        routes(scope, '', 'all');
      };
      await app.register(async (api) => api.register(v1, { prefix: '/v1' }), { prefix: '/api' });
    },
  ),
  fastifyStyle(
    'the plugin registered without await between the routes of its context',
    '/api',
    async (app, register, routes) => {
      await app.register(
        async (api) => {
          routes(api, '', 'me');
          void register(api);
          routes(api, '', 'all');
        },
        { prefix: '/api' },
      );
    },
  ),
  fastifyStyle(
    'the plugin in a child context, with caseSensitive false, ignoreTrailingSlash and ignoreDuplicateSlashes',
    '/api',
    async (app, register, routes) => {
      await app.register(
        async (api) => {
          await register(api);
          routes(api);
        },
        { prefix: '/api' },
      );
    },
    { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } },
  ),
];

/**
 * Mounts the README warns against, each with a keyless request whose protected handler runs: the
 * middleware's path and the routes are matched by two matchers that disagree on case.
 */
export const BYPASSES: ReadonlyArray<{ style: MountStyle; bypass: string }> = [
  {
    style: koaStyle("router.use(apiKeyAuth()) on a router with prefix '/api'", '/api', (app, auth, routes) => {
      const api = new Router({ prefix: '/api' }).use(auth);
      routes(api);
      app.use(api.routes());
    }),
    bypass: '/API/me',
  },
  {
    style: koaStyle(
      "nested.use(apiKeyAuth()) on a router mounted with router.use('/v1', nested.routes())",
      '/api/v1',
      (app, auth, routes) => {
        const nested = new Router().use(auth);
        routes(nested);
        app.use(new Router({ prefix: '/api' }).use('/v1', nested.routes()).routes());
      },
    ),
    bypass: '/api/V1/me',
  },
  {
    style: expressStyle(
      "app.use('/api', apiKeyAuth()) with 'case sensitive routing', routes in a Router",
      '/api',
      (app, auth, routes) => {
        app.use('/api', auth);
        const router = express.Router();
        routes(router, '/api');
        app.use(router);
      },
      { 'case sensitive routing': true },
    ),
    bypass: '/API/me',
  },
];

/** Every documented mount style of every framework. */
export const MOUNT_STYLES: readonly MountStyle[] = [...expressStyles, ...koaStyles, ...fastifyStyles];

/** The runnable examples (examples/*), listening; their protected routes are under `/api`. */
export const EXAMPLE_APPS: ReadonlyArray<{ name: string; start(keygate: Keygate): Promise<RunningExample> }> = [
  { name: 'express', start: (keygate) => listen(createServer(expressExample(keygate))) },
  { name: 'koa', start: (keygate) => listen(createServer(koaExample(keygate).callback())) },
  {
    name: 'fastify',
    async start(keygate) {
      const app = fastifyExample(keygate);
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    },
  },
];

/** A listening example app. */
export interface RunningExample {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Sends one request written byte for byte (clients normalise paths such as `//api/me` or
 * `/x/../api/me`) and resolves with its status once the server closes the connection.
 */
export function rawStatus(
  port: number,
  method: string,
  path: string,
  headerLines: readonly string[] = [],
): Promise<number> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headerLines, '', ''];
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head.join('\r\n'), 'latin1'));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
      if (status) resolve(Number(status));
      else reject(new Error(`No HTTP response to ${method} ${path}`));
    });
  });
}
