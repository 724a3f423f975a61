import { createServer, type Server } from 'node:http';
import type { AuthOptions, Keygate, ManagementOptions } from '@keygate/core';
import * as expressAdapter from '@keygate/express';
import { keygatePlugin, keyManagementPlugin } from '@keygate/fastify';
import * as koaAdapter from '@keygate/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { listen } from './apps.js';

/** What a test chooses about the management routes (keygate is the fixture's). */
export type MountOptions = Omit<ManagementOptions, 'keygate'>;

/** What a test chooses about the authentication middleware in front of the routes (keygate is the fixture's). */
export type GateOptions = Omit<AuthOptions, 'keygate'>;

/** A running management app. */
export interface ManagementApp {
  readonly server: Server;
  close(): Promise<void>;
}

/** One adapter's way to serve the management routes. */
export interface ManagementAdapter {
  readonly name: 'express' | 'koa' | 'fastify';
  start(keygate: Keygate, options?: MountOptions, gate?: GateOptions): Promise<ManagementApp>;
}

const expressApp: ManagementAdapter = {
  name: 'express',
  async start(keygate, options = {}, gate = {}) {
    const { apiKeyAuth, keyManagementRouter } = expressAdapter;
    const app = express();
    app.use('/admin', apiKeyAuth({ ...gate, keygate }), keyManagementRouter({ keygate, ...options }));
    app.get('/admin/ping', (_req, res) => {
      res.json({ pong: true });
    });
    return listen(createServer(app));
  },
};

const koaApp: ManagementAdapter = {
  name: 'koa',
  async start(keygate, options = {}, gate = {}) {
    const { apiKeyAuth, keyManagementRoutes } = koaAdapter;
    const auth = apiKeyAuth({ ...gate, keygate });
    const app = new Koa();
    app.use((ctx, next) => (ctx.path.startsWith('/admin/') ? auth(ctx, next) : next()));
    app.use(keyManagementRoutes({ keygate, prefix: '/admin', ...options }));
    app.use((ctx) => {
      if (ctx.path === '/admin/ping') ctx.body = { pong: true };
    });
    return listen(createServer(app.callback()));
  },
};

const fastifyApp: ManagementAdapter = {
  name: 'fastify',
  async start(keygate, options = {}, gate = {}) {
    const app = Fastify();
    await app.register(
      async (admin) => {
        await admin.register(keygatePlugin, { ...gate, keygate });
        await admin.register(keyManagementPlugin, { keygate, ...options });
        admin.get('/ping', async () => ({ pong: true }));
      },
      { prefix: '/admin' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: app.server, close: () => app.close() };
  },
};

/** Every adapter, for `describe.each`. */
export const managementAdapters: readonly ManagementAdapter[] = [expressApp, koaApp, fastifyApp];
