import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, AuthOptions } from '@keygate/core';
import * as expressAdapter from '@keygate/express';
import { keygatePlugin } from '@keygate/fastify';
import * as koaAdapter from '@keygate/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from './apps.js';
import { createFixture, expectProblem, type Fixture } from './helpers.js';

/** Every app serves `GET /api/me` behind authentication, answering the attached key's id. */
const PATH = '/api/me';

interface LifecycleApp {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

interface AppSettings {
  readonly auth: AuthOptions;
  /** Turn on the framework's trusted-proxy setting (for a proxy on loopback). */
  readonly trustProxy: boolean;
  /** Listen address. Default 127.0.0.1. */
  readonly host?: string;
}

interface AppFactory {
  readonly name: 'express' | 'koa' | 'fastify';
  start(settings: AppSettings): Promise<LifecycleApp>;
}

const factories: readonly AppFactory[] = [
  {
    name: 'express',
    async start({ auth, trustProxy, host = '127.0.0.1' }) {
      const app = express();
      if (trustProxy) app.set('trust proxy', 'loopback');
      // Mounted below /api, so the event route shows the original URL, not the router's.
      const router = express.Router();
      router.get('/me', expressAdapter.apiKeyAuth(auth), (req, res) => {
        res.json({ id: req.apiKey?.id ?? null });
      });
      app.use('/api', router);
      return listen(createServer(app), host);
    },
  },
  {
    name: 'koa',
    async start({ auth, trustProxy, host = '127.0.0.1' }) {
      const app = new Koa();
      app.proxy = trustProxy;
      const authenticate = koaAdapter.apiKeyAuth(auth);
      app.use(async (ctx, next) => {
        if (ctx.path !== PATH) return;
        await authenticate(ctx, next);
      });
      app.use((ctx) => {
        ctx.body = { id: ctx.state.apiKey?.id ?? null };
      });
      return listen(createServer(app.callback()), host);
    },
  },
  {
    name: 'fastify',
    async start({ auth, trustProxy, host = '127.0.0.1' }) {
      const app = Fastify({ trustProxy });
      await app.register(keygatePlugin, auth);
      app.get(PATH, async (req) => ({ id: req.apiKey?.id ?? null }));
      await app.listen({ port: 0, host });
      return { server: app.server, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    },
  },
];

const running: LifecycleApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

describe.each(factories)('$name', (factory) => {
  let fixture: Fixture;
  let events: AuditEvent[];

  async function start(settings: { trustProxy?: boolean; host?: string; auth?: Partial<AuthOptions> } = {}) {
    events = [];
    fixture = createFixture({ onEvent: (event) => events.push(event) });
    const app = await factory.start({
      auth: { keygate: fixture.keygate, ...settings.auth },
      trustProxy: settings.trustProxy ?? false,
      ...(settings.host === undefined ? {} : { host: settings.host }),
    });
    running.push(app);
    return app;
  }

  const keyFor = (allowedIps: string[]) => fixture.issue([], { allowedIps });

  describe('IP allowlists', () => {
    it('answers 200 from an allowed address and 403 ip_not_allowed from another, saying nothing of the list', async () => {
      const app = await start();
      const local = await keyFor(['127.0.0.1']);
      const remote = await keyFor(['203.0.113.0/24', '2001:db8::/32']);
      const ok = await request(app.server).get(PATH).set('X-API-Key', local.key);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ id: local.apiKey.id });
      for (let i = 0; i < 2; i++) {
        // Twice: the second answer comes from the verified-key cache.
        const res = await request(app.server).get(PATH).set('X-API-Key', remote.key);
        const body = expectProblem(res, { status: 403, code: 'ip_not_allowed' });
        expect(JSON.stringify(body)).not.toMatch(/203\.0\.113|2001:db8/);
      }
    });

    it('compares an IPv4-mapped client address (dual-stack server) as IPv4, and matches IPv6 clients', async () => {
      const app = await start({ host: '::' });
      const v4 = await keyFor(['127.0.0.0/8']);
      const v6 = await keyFor(['::1']);
      // Over 127.0.0.1 a dual-stack server sees ::ffff:127.0.0.1.
      expect((await request(`http://127.0.0.1:${app.port}`).get(PATH).set('X-API-Key', v4.key)).status).toBe(200);
      expect((await request(`http://[::1]:${app.port}`).get(PATH).set('X-API-Key', v6.key)).status).toBe(200);
      const res = await request(`http://[::1]:${app.port}`).get(PATH).set('X-API-Key', v4.key);
      expectProblem(res, { status: 403, code: 'ip_not_allowed' });
    });

    it('behind a trusted proxy, X-Forwarded-For decides', async () => {
      const app = await start({ trustProxy: true });
      const { key } = await keyFor(['203.0.113.0/24']);
      const allowed = await request(app.server).get(PATH).set('X-API-Key', key).set('X-Forwarded-For', '203.0.113.5');
      expect(allowed.status).toBe(200);
      const other = await request(app.server).get(PATH).set('X-API-Key', key).set('X-Forwarded-For', '198.51.100.1');
      expectProblem(other, { status: 403, code: 'ip_not_allowed' });
      expect(events.at(-1)).toMatchObject({ type: 'failed', reason: 'ip_not_allowed', ip: '198.51.100.1' });
    });

    it('without proxy trust, X-Forwarded-For is ignored: only the connection address counts', async () => {
      const app = await start();
      const remote = await keyFor(['203.0.113.0/24']);
      const spoofed = await request(app.server)
        .get(PATH)
        .set('X-API-Key', remote.key)
        .set('X-Forwarded-For', '203.0.113.5');
      expectProblem(spoofed, { status: 403, code: 'ip_not_allowed' });
      const local = await keyFor(['127.0.0.1']);
      const ignored = await request(app.server)
        .get(PATH)
        .set('X-API-Key', local.key)
        .set('X-Forwarded-For', '198.51.100.1');
      expect(ignored.status).toBe(200);
    });
  });

  describe('keep-alive connections', () => {
    // One request on the agent's single connection: status, body, and whether the connection was reused.
    const getOn = (agent: Agent, port: number, key: string) =>
      new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port, path: PATH, agent, headers: { 'x-api-key': key } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
        });
        req.on('error', reject);
      });

    it('answers each key as itself on one connection, and refuses a key revoked while the connection stays open', async () => {
      const app = await start();
      const first = await fixture.issue();
      const second = await fixture.issue();
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        expect(await getOn(agent, app.port, first.key)).toMatchObject({ status: 200, reused: false });
        expect(await getOn(agent, app.port, first.key)).toMatchObject({ status: 200, reused: true });
        const other = await getOn(agent, app.port, second.key);
        expect(other).toMatchObject({ status: 200, reused: true });
        expect(JSON.parse(other.body)).toEqual({ id: second.apiKey.id });
        expect(JSON.parse((await getOn(agent, app.port, first.key)).body)).toEqual({ id: first.apiKey.id });
        await fixture.keygate.keys.revoke(first.apiKey.id);
        const refused = await getOn(agent, app.port, first.key);
        expect(refused).toMatchObject({ status: 401, reused: true });
        expect(JSON.parse(refused.body)).toMatchObject({ code: 'revoked' });
      } finally {
        agent.destroy();
      }
    });
  });

  describe('requireTls', () => {
    it('answers 403 tls_required to a key sent over plain HTTP, with a detail saying HTTPS is required', async () => {
      const app = await start({ auth: { requireTls: true } });
      const { key } = await fixture.issue();
      const body = expectProblem(await request(app.server).get(PATH).set('X-API-Key', key), {
        status: 403,
        code: 'tls_required',
      });
      expect(body.detail).toMatch(/HTTPS is required/);
      expect(events.at(-1)).toMatchObject({ type: 'failed', reason: 'tls_required' });
    });

    it('admits X-Forwarded-Proto: https from a trusted proxy', async () => {
      const app = await start({ auth: { requireTls: true }, trustProxy: true });
      const { key, apiKey } = await fixture.issue();
      const res = await request(app.server).get(PATH).set('X-API-Key', key).set('X-Forwarded-Proto', 'https');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: apiKey.id });
      expectProblem(await request(app.server).get(PATH).set('X-API-Key', key), { status: 403, code: 'tls_required' });
    });

    it('ignores X-Forwarded-Proto without proxy trust', async () => {
      const app = await start({ auth: { requireTls: true } });
      const { key } = await fixture.issue();
      const res = await request(app.server).get(PATH).set('X-API-Key', key).set('X-Forwarded-Proto', 'https');
      expectProblem(res, { status: 403, code: 'tls_required' });
    });

    it('is off by default', async () => {
      const app = await start();
      const { key } = await fixture.issue();
      expect((await request(app.server).get(PATH).set('X-API-Key', key)).status).toBe(200);
    });
  });

  describe('audit events', () => {
    it('carry the original route without the query string, the client address and the user agent', async () => {
      const app = await start({ trustProxy: true });
      const { key, apiKey } = await fixture.issue();
      await request(app.server)
        .get(`${PATH}?page=2&token=${key}`)
        .set('X-API-Key', key)
        .set('X-Forwarded-For', '203.0.113.77')
        .set('User-Agent', 'lifecycle-test/1.0');
      expect(events).toEqual([
        expect.objectContaining({ type: 'created', keyId: apiKey.id }),
        expect.objectContaining({
          type: 'verified',
          keyId: apiKey.id,
          owner: apiKey.owner,
          route: `GET ${PATH}`,
          ip: '203.0.113.77',
          userAgent: 'lifecycle-test/1.0',
        }),
      ]);
      expect(JSON.stringify(events)).not.toContain(key);
    });
  });
});
