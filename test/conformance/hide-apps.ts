// Apps whose one protected route, GET /api/seen (behind a mount or prefix, so that the URL the
// handler sees and the original URL differ), answers with everything its handler can read of the
// request: headers, raw headers, parsed query, URL, original URL and cookies. Each app can log with
// a real pino logger: pino-http on Express and Koa, Fastify's own logger.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import type { AuthOptions } from '@keygate/core';
import * as expressAdapter from '@keygate/express';
import { keygatePlugin } from '@keygate/fastify';
import * as koaAdapter from '@keygate/koa';
import Router from '@koa/router';
import cookieParser from 'cookie-parser';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { pinoHttp } from 'pino-http';
import { listen, type RunningApp } from './apps.js';

/** The route every app serves. */
export const SEEN_PATH = '/api/seen';

/** The options of an app: keygate's, and pino's when it logs (every line goes to `lines`). */
export interface SeenAppOptions {
  readonly auth: AuthOptions;
  readonly log?: { readonly options: LoggerOptions; readonly lines: string[] };
}

export interface SeenAdapter {
  readonly name: 'express' | 'koa' | 'fastify';
  start(options: SeenAppOptions): Promise<RunningApp>;
}

const COOKIE_NAMES = ['theme', 'api_key', 'lang'];

function logger(log: NonNullable<SeenAppOptions['log']>): Logger {
  return pino(log.options, { write: (line: string) => log.lines.push(line) });
}

// pino-http replaces the logger's `req` serializer with its own unless given one.
function httpLogger(log: NonNullable<SeenAppOptions['log']>) {
  return pinoHttp({ logger: logger(log), serializers: log.options.serializers });
}

const expressSeen: SeenAdapter = {
  name: 'express',
  async start({ auth, log }) {
    const app = express();
    if (log) app.use(httpLogger(log));
    app.use(cookieParser());
    const api = express.Router();
    api.get('/seen', expressAdapter.apiKeyAuth(auth), (req, res) => {
      const { headers, rawHeaders, query, url, originalUrl, cookies } = req;
      const seen = { headers, rawHeaders, query, url, originalUrl, cookies };
      req.log?.info({ seen }, 'handled');
      res.json(seen);
    });
    app.use('/api', api);
    return listen(createServer(app));
  },
};

const koaSeen: SeenAdapter = {
  name: 'koa',
  async start({ auth, log }) {
    const app = new Koa();
    if (log) {
      const logRequest = httpLogger(log);
      app.use((ctx, next) => {
        logRequest(ctx.req, ctx.res);
        return next();
      });
    }
    const router = new Router({ prefix: '/api' });
    router.get('/seen', koaAdapter.apiKeyAuth(auth), (ctx) => {
      const cookies = Object.fromEntries(COOKIE_NAMES.map((name) => [name, ctx.cookies.get(name)]));
      const seen = {
        headers: ctx.headers,
        rawHeaders: ctx.req.rawHeaders,
        query: ctx.query,
        url: ctx.url,
        originalUrl: ctx.originalUrl,
        cookies: JSON.parse(JSON.stringify(cookies)),
      };
      (ctx.req as { log?: Logger }).log?.info({ seen }, 'handled');
      ctx.body = seen;
    });
    app.use(router.routes());
    return listen(createServer(app.callback()));
  },
};

const fastifySeen: SeenAdapter = {
  name: 'fastify',
  async start({ auth, log }) {
    const app = Fastify({ loggerInstance: log ? logger(log) : pino({ enabled: false }) });
    await app.register(fastifyCookie);
    await app.register(
      async (api) => {
        await api.register(keygatePlugin, auth);
        api.get('/seen', async (request) => {
          const { headers, query, url, originalUrl, cookies } = request;
          const seen = { headers, rawHeaders: request.raw.rawHeaders, query, url, originalUrl, cookies };
          request.log.info({ seen }, 'handled');
          return seen;
        });
      },
      { prefix: '/api' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { server: app.server, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
};

/** Every adapter, for `describe.each`. */
export const seenAdapters: readonly SeenAdapter[] = [expressSeen, koaSeen, fastifySeen];
