// The packed packages work for someone who installs them: two fresh apps outside the workspace
// (one ESM, one CommonJS) get the tarballs and the frameworks from the registry with npm, then run
// each package README's quick start (ESM, as printed) and the same apps written with require(),
// and check over real HTTP what the READMEs promise.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exec, packAll, publishablePackages, repoRoot } from './packages.js';

// The third-party packages the quick starts need, at the versions the workspace tests with.
const THIRD_PARTY = ['express', 'koa', '@koa/router', 'fastify', 'ioredis', 'pg', '@opentelemetry/api'];
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(repoRoot, 'test/node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
const thirdParty = Object.fromEntries(THIRD_PARTY.map((name) => [name, installedVersion(name)]));

const INSTALL_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 30_000;

// npm, not pnpm, and none of the settings pnpm passes to the scripts it runs.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|PNPM_)/i.test(name) && name !== 'NODE_OPTIONS'),
);

let workDir: string;
let tarballs: Map<string, string>;
const apps = { esm: '', cjs: '' };

/** Creates a consumer app in `dir` depending on every tarball and the third-party packages, and installs it. */
async function createApp(dir: string, type: 'module' | 'commonjs'): Promise<void> {
  mkdirSync(dir);
  const keygate = Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]));
  const manifest = {
    name: `keygate-consumer-${type}`,
    private: true,
    type,
    dependencies: { ...keygate, ...thirdParty },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: cleanEnv,
    timeout: INSTALL_TIMEOUT_MS,
  });
}

/** Runs a program in an app and returns its standard output. */
async function run(dir: string, file: string, source: string, env: Record<string, string> = {}): Promise<string> {
  writeFileSync(join(dir, file), source);
  const { stdout } = await exec(process.execPath, [file], {
    cwd: dir,
    env: { ...cleanEnv, ...env },
    timeout: RUN_TIMEOUT_MS,
  });
  return stdout;
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first ```js block under "## Quick start" in a README. */
function quickStart(readme: string): string {
  const section = readme.split(/^## Quick start$/m)[1] ?? '';
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the README has no ```js quick start');
  return block;
}

// Appended to a quick start: waits for the server, then asks it what the README says it answers.
// `key` is the quick start's own variable; the result is printed as one JSON line.
const PROBE = `
async function probe(base, key, paths) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try { await fetch(base + paths.me); break; } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const anonymous = await fetch(base + paths.me);
  const me = await fetch(base + paths.me, { headers: { 'x-api-key': key } });
  const scoped = await fetch(base + paths.deploy, { method: 'POST', headers: { authorization: 'Bearer ' + key } });
  return {
    anonymous: anonymous.status,
    challenge: anonymous.headers.get('www-authenticate'),
    me: me.status,
    body: await me.text(),
    scoped: scoped.status,
  };
}
`;

interface Probed {
  anonymous: number;
  challenge: string | null;
  me: number;
  body: string;
  scoped: number;
}

interface AdapterCase {
  /** The adapter package. */
  name: string;
  /** Paths of the quick start's authenticated route and scope-guarded POST. */
  paths: { me: string; deploy: string };
  /** The status of the scope-guarded POST with the scope. */
  scopedStatus: number;
  /** The same app as the README's quick start, with require(), listening on `port`. */
  commonjs: string;
}

const ADAPTERS: AdapterCase[] = [
  {
    name: '@keygate/express',
    paths: { me: '/api/me', deploy: '/api/deploys' },
    scopedStatus: 201,
    commonjs: `
const { createKeygate, MemoryStore } = require('@keygate/core');
const { apiKeyAuth, requireScopes } = require('@keygate/express');
const express = require('express');
async function start(port) {
  const keygate = createKeygate({ store: new MemoryStore(), prefix: 'sk_live' });
  const { key } = await keygate.keys.create({ name: 'CI deploys', owner: 'team_42', scopes: ['deploys:write'] });
  const app = express();
  app.use('/api', apiKeyAuth({ keygate }));
  app.get('/api/me', (req, res) => res.json(req.apiKey));
  app.post('/api/deploys', requireScopes('deploys:write'), (req, res) => res.status(201).end());
  app.listen(port);
  return key;
}`,
  },
  {
    name: '@keygate/koa',
    paths: { me: '/api/me', deploy: '/api/deploys' },
    scopedStatus: 201,
    commonjs: `
const Router = require('@koa/router');
const { createKeygate, MemoryStore } = require('@keygate/core');
const { protectedRoutes, requireScopes } = require('@keygate/koa');
const Koa = require('koa');
async function start(port) {
  const keygate = createKeygate({ store: new MemoryStore(), prefix: 'sk_live' });
  const { key } = await keygate.keys.create({ name: 'CI deploys', owner: 'team_42', scopes: ['deploys:write'] });
  const api = new Router({ prefix: '/api' });
  api.get('/me', (ctx) => { ctx.body = ctx.state.apiKey; });
  api.post('/deploys', requireScopes('deploys:write'), (ctx) => { ctx.status = 201; });
  new Koa().use(protectedRoutes(api, { keygate })).listen(port);
  return key;
}`,
  },
  {
    name: '@keygate/fastify',
    paths: { me: '/me', deploy: '/deploys' },
    scopedStatus: 200,
    commonjs: `
const { createKeygate, MemoryStore } = require('@keygate/core');
const { keygatePlugin, requireScopes } = require('@keygate/fastify');
const Fastify = require('fastify');
async function start(port) {
  const keygate = createKeygate({ store: new MemoryStore(), prefix: 'sk_live' });
  const { key } = await keygate.keys.create({ name: 'CI deploys', owner: 'team_42', scopes: ['deploys:write'] });
  const app = Fastify();
  await app.register(keygatePlugin, { keygate });
  app.get('/health', { config: { apiKey: false } }, async () => 'ok');
  app.get('/me', async (request) => request.apiKey);
  app.post('/deploys', { onRequest: requireScopes('deploys:write') }, async () => 'queued');
  await app.listen({ port });
  return key;
}`,
  },
];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'keygate-consumers-'));
  tarballs = await packAll(mkdtempSync(join(workDir, 'tarballs-')));
  apps.esm = join(workDir, 'esm-app');
  apps.cjs = join(workDir, 'cjs-app');
  await Promise.all([createApp(apps.esm, 'module'), createApp(apps.cjs, 'commonjs')]);
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe.each(['esm', 'cjs'] as const)('the %s consumer app', (kind) => {
  it('installs every keygate package from its tarball, none from the registry', () => {
    const lock = JSON.parse(readFileSync(join(apps[kind], 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    const installed = Object.entries(lock.packages).filter(([path]) => path.includes('node_modules/@keygate/'));
    expect(installed.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()).toEqual(
      [...tarballs.keys()].sort(),
    );
    for (const [path, entry] of installed) expect(entry.resolved, path).toMatch(/^file:.*\.tgz$/);
  });
});

describe('the ESM app', () => {
  it('runs the @keygate/core quick start, whose new key verifies', async () => {
    const readme = readFileSync(join(apps.esm, 'node_modules/@keygate/core/README.md'), 'utf8');
    const stdout = await run(apps.esm, 'core-quick-start.mjs', quickStart(readme));
    expect(stdout).toBe('true\n');
  });

  it('imports every entry point of @keygate/core, with ioredis, pg and @opentelemetry/api installed', async () => {
    const source = `
const entries = ['@keygate/core', '@keygate/core/adapter', '@keygate/core/redis', '@keygate/core/postgres', '@keygate/core/otel'];
const loaded = await Promise.all(entries.map((entry) => import(entry)));
console.log(JSON.stringify(loaded.map((module) => Object.keys(module).length > 0)));`;
    expect(JSON.parse(await run(apps.esm, 'entries.mjs', source))).toEqual([true, true, true, true, true]);
  });
});

describe('the CommonJS app', () => {
  it('requires every entry point of @keygate/core, with ioredis, pg and @opentelemetry/api installed', async () => {
    const source = `
const entries = ['@keygate/core', '@keygate/core/adapter', '@keygate/core/redis', '@keygate/core/postgres', '@keygate/core/otel'];
console.log(JSON.stringify(entries.map((entry) => Object.keys(require(entry)).length > 0)));`;
    expect(JSON.parse(await run(apps.cjs, 'entries.cjs', source))).toEqual([true, true, true, true, true]);
  });

  it('keeps a key in Redis with RedisStore and verifies it', async () => {
    const keyPrefix = `keygate-pack-test:${randomBytes(6).toString('hex')}:`;
    const source = `
const { Redis } = require('ioredis');
const { createKeygate } = require('@keygate/core');
const { RedisStore } = require('@keygate/core/redis');
(async () => {
  const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  const keygate = createKeygate({ store: new RedisStore({ client: redis, keyPrefix: process.env.KEY_PREFIX }) });
  const { key } = await keygate.keys.create({ name: 'CI deploys', owner: 'team_42' });
  const result = await keygate.verify(key);
  await keygate.close();
  await redis.quit();
  console.log(JSON.stringify({ ok: result.ok, owner: result.ok ? result.key.owner : null }));
})();`;
    const redisUrl = inject('redisUrl');
    try {
      const stdout = await run(apps.cjs, 'redis-store.cjs', source, { REDIS_URL: redisUrl, KEY_PREFIX: keyPrefix });
      expect(JSON.parse(stdout)).toEqual({ ok: true, owner: 'team_42' });
    } finally {
      const admin = new Redis(redisUrl);
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });
});

describe.each(ADAPTERS)('$name', (adapter) => {
  const outcomes: Record<'esm' | 'cjs', Probed | undefined> = { esm: undefined, cjs: undefined };

  beforeAll(async () => {
    const readme = readFileSync(join(apps.esm, 'node_modules', adapter.name, 'README.md'), 'utf8');
    const [esmPort, cjsPort] = [await freePort(), await freePort()];
    const printed = quickStart(readme).replace(/\b3000\b/g, String(esmPort));
    const esm = `${printed}${PROBE}
console.log(JSON.stringify(await probe('http://127.0.0.1:${esmPort}', key, ${JSON.stringify(adapter.paths)})));
process.exit(0);
`;
    const cjs = `${adapter.commonjs}${PROBE}
start(${cjsPort})
  .then((key) => probe('http://127.0.0.1:${cjsPort}', key, ${JSON.stringify(adapter.paths)}))
  .then((result) => { console.log(JSON.stringify(result)); process.exit(0); });
`;
    const file = adapter.name.replace('@keygate/', 'quick-start-');
    const [esmOut, cjsOut] = await Promise.all([run(apps.esm, `${file}.mjs`, esm), run(apps.cjs, `${file}.cjs`, cjs)]);
    outcomes.esm = JSON.parse(esmOut) as Probed;
    outcomes.cjs = JSON.parse(cjsOut) as Probed;
  }, 2 * RUN_TIMEOUT_MS);

  describe.each([
    ['the README quick start, imported', 'esm'],
    ['the same app, required', 'cjs'],
  ] as const)('%s', (_title, kind) => {
    const outcome = () => outcomes[kind] as Probed;

    it('answers 401 with a Bearer challenge to a request without a key', () => {
      expect(outcome()).toMatchObject({ anonymous: 401, challenge: expect.stringMatching(/^Bearer realm=/) });
    });

    it("answers 200 with the key's owner and scopes, but not the key, to a request with it", () => {
      expect(outcome().me).toBe(200);
      const body = JSON.parse(outcome().body) as Record<string, unknown>;
      expect(body).toMatchObject({ owner: 'team_42', scopes: ['deploys:write'] });
      expect(outcome().body).not.toMatch(/sk_live_\w+_\w{20,}/);
    });

    it('lets the key through the scope guard of its scope', () => {
      expect(outcome().scoped).toBe(adapter.scopedStatus);
    });
  });
});

const hasCli = publishablePackages().some((pkg) => pkg.manifest.name === '@keygate/cli');

describe.runIf(hasCli)('@keygate/cli with @keygate/express on one Redis', () => {
  it('mints a key with `keygate create` that the Express app then accepts', async () => {
    const keyPrefix = `keygate-pack-test:${randomBytes(6).toString('hex')}:`;
    const redisUrl = inject('redisUrl');
    const env = { ...cleanEnv, KEYGATE_STORE: redisUrl };
    const port = await freePort();
    const server = `
import { createKeygate } from '@keygate/core';
import { RedisStore } from '@keygate/core/redis';
import { apiKeyAuth } from '@keygate/express';
import express from 'express';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.KEYGATE_STORE, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
const keygate = createKeygate({ store: new RedisStore({ client: redis, keyPrefix: process.env.KEY_PREFIX }), prefix: 'sk_live' });
const app = express();
app.use('/api', apiKeyAuth({ keygate }));
app.get('/api/me', (req, res) => res.json(req.apiKey));
app.listen(${port});
${PROBE}
console.log(JSON.stringify(await probe('http://127.0.0.1:${port}', process.env.KEY, { me: '/api/me', deploy: '/api/me' })));
process.exit(0);
`;
    try {
      const { stdout } = await exec(
        join(apps.esm, 'node_modules/.bin/keygate'),
        [
          'create',
          '--owner',
          'team_42',
          '--name',
          'CI deploys',
          '--scopes',
          'deploys:write',
          '--key-prefix',
          keyPrefix,
          '--json',
        ],
        { cwd: apps.esm, env, timeout: RUN_TIMEOUT_MS },
      );
      const { key } = JSON.parse(stdout) as { key: string };
      const probed = JSON.parse(
        await run(apps.esm, 'cli-key.mjs', server, { ...env, KEY: key, KEY_PREFIX: keyPrefix }),
      );
      expect(probed).toMatchObject({ anonymous: 401, me: 200 });
      expect(JSON.parse(probed.body)).toMatchObject({ owner: 'team_42', scopes: ['deploys:write'] });
    } finally {
      const admin = new Redis(redisUrl);
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });
});

describe.each(publishablePackages().filter((pkg) => pkg.manifest.bin !== undefined))('$manifest.name', (pkg) => {
  it.each(['esm', 'cjs'] as const)('installs its commands in the %s app, which print their usage', async (kind) => {
    for (const command of Object.keys(pkg.manifest.bin ?? {})) {
      const { stdout } = await exec(join(apps[kind], 'node_modules/.bin', command), ['--help'], {
        cwd: apps[kind],
        env: cleanEnv,
        timeout: RUN_TIMEOUT_MS,
      });
      expect(stdout).toMatch(new RegExp(`^Usage: ${command}\\b`));
    }
  });
});
