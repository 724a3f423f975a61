// Revocation across instances: two server processes (fixtures/server.mjs, on the built packages)
// share one Redis key store and one invalidation channel. Both cache a key; it is revoked through
// one of them; the other must answer 401 within a second, long before its 10-minute cache TTL.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createKeygate } from '@keygate/core';
import { RedisStore } from '@keygate/core/redis';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { pollFor } from '../../packages/core/test/support/poll.js';
import type {} from '../support/redis-global-setup.js';

const SERVER = fileURLToPath(new URL('./fixtures/server.mjs', import.meta.url));
/** The bound on how long another instance may keep accepting a revoked key. */
const MAX_DELAY_MS = 1000;

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
}

// Starts one server process and resolves with its URL once it listens (or rejects after 15 s).
function startInstance(args: string[]): Promise<Instance> {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise<Instance>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` });
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
}

async function stop(instance: Instance): Promise<void> {
  const { child } = instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

const statusOf = async (instance: Instance, key: string) =>
  (await fetch(`${instance.url}/me`, { headers: { 'x-api-key': key } })).status;

describe('revocation across server processes', () => {
  it(`another instance answers 401 within ${MAX_DELAY_MS} ms of a revocation`, async () => {
    const redisUrl = inject('redisUrl');
    const run = randomBytes(6).toString('hex');
    const keyPrefix = `keygate-test:xi:${run}:`;
    const channel = `keygate-test:invalidate:${run}`;
    const admin = new Redis(redisUrl);
    const instances: Instance[] = [];
    try {
      instances.push(...(await Promise.all([1, 2].map(() => startInstance([redisUrl, keyPrefix, channel])))));
      const [a, b] = instances as [Instance, Instance];
      // Each instance announces itself once its subscription is confirmed.
      expect((await admin.pubsub('NUMSUB', channel))[1]).toBe(2);

      // The test process shares the store (same Redis, same prefix) to mint the key.
      const keygate = createKeygate({ store: new RedisStore({ client: admin, keyPrefix }) });
      const { key, apiKey } = await keygate.keys.create({ name: 'cross-instance', owner: 'acct_1' });

      // Warm both caches (the second request of each is a cache hit).
      for (const instance of [a, b]) {
        expect(await statusOf(instance, key)).toBe(200);
        expect(await statusOf(instance, key)).toBe(200);
      }

      const revoke = await fetch(`${a.url}/revoke/${apiKey.id}`, { method: 'POST' });
      expect(revoke.status).toBe(204);
      const revokedAt = performance.now();
      expect(await statusOf(a, key)).toBe(401);

      // Ask the other instance until it refuses the key (its cache TTL is 10 minutes: only the bus
      // can make it), then hold the time that took to the bound.
      const delayMs = await pollFor(
        'instance B to answer 401',
        async () => ((await statusOf(b, key)) === 401 ? performance.now() - revokedAt : undefined),
        { everyMs: 20 },
      );
      console.log(`cross-instance revocation: instance B answered 401 ${delayMs.toFixed(1)} ms after the revocation`);
      expect(delayMs).toBeLessThan(MAX_DELAY_MS);
    } finally {
      await Promise.all(instances.map(stop));
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });
});
