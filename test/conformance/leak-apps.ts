// The leaked-key endpoint (GitHub's secret scanning partner program) mounted by each adapter at
// LEAK_PATH, next to a JSON route (`POST /echo`) showing the rest of the app keeps its body parsing.
import { createServer } from 'node:http';
import type { Keygate, LeakedKeyOptions } from '@keygate/core';
import { readJsonBody } from '@keygate/core/adapter';
import { leakedKeyHandler } from '@keygate/express';
import { leakedKeyPlugin } from '@keygate/fastify';
import { leakedKeyRoute } from '@keygate/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { listen, type RunningApp } from './apps.js';

/** Where every adapter mounts the endpoint. */
export const LEAK_PATH = '/github/secret-scanning';

/** What a test chooses about the endpoint (keygate is the fixture's). */
export type LeakMountOptions = Omit<LeakedKeyOptions, 'keygate'>;

/** One adapter's way to serve the endpoint. */
export interface LeakAdapter {
  readonly name: 'express' | 'koa' | 'fastify';
  start(keygate: Keygate, options: LeakMountOptions): Promise<RunningApp>;
}

const expressApp: LeakAdapter = {
  name: 'express',
  async start(keygate, options) {
    const app = express();
    app.post(LEAK_PATH, leakedKeyHandler({ keygate, ...options }));
    app.use(express.json());
    app.post('/echo', (req, res) => {
      res.json(req.body);
    });
    return listen(createServer(app));
  },
};

const koaApp: LeakAdapter = {
  name: 'koa',
  async start(keygate, options) {
    const app = new Koa();
    app.use(leakedKeyRoute({ keygate, ...options, path: LEAK_PATH }));
    app.use(async (ctx) => {
      if (ctx.path !== '/echo') return;
      const read = await readJsonBody(ctx.req, 1000);
      ctx.body = read.ok ? read.body : null;
    });
    return listen(createServer(app.callback()));
  },
};

const fastifyApp: LeakAdapter = {
  name: 'fastify',
  async start(keygate, options) {
    const app = Fastify();
    await app.register(leakedKeyPlugin, { keygate, ...options, prefix: LEAK_PATH });
    app.post('/echo', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    return { server: app.server, port, close: () => app.close() };
  },
};

/** Every adapter, for `describe.each`. */
export const leakAdapters: readonly LeakAdapter[] = [expressApp, koaApp, fastifyApp];
