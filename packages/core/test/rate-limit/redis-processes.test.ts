// Several Node processes share one Redis: together they must admit exactly the limit. The
// children run the current src/, transpiled (see support/transpiled-src.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../../test/support/redis-global-setup.js';
import { randomBase62 } from '../../src/key/base62.js';
import type { RateLimitPolicy } from '../../src/key/record.js';
import { RedisRateLimiter } from '../../src/rate-limit/redis/limiter.js';
import { type TranspiledSrc, transpileSrc } from '../support/transpiled-src.js';

const CHILD = fileURLToPath(new URL('./fixtures/rate-limit-child.mjs', import.meta.url));
const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 60;
const hourly: RateLimitPolicy = { name: 'hourly', limit: 100, windowSeconds: 3600 };
const daily: RateLimitPolicy = { name: 'daily', limit: 130, windowSeconds: 86_400 };

let admin: Redis;
let src: TranspiledSrc | undefined;
const keyPrefix = `keygate-test:rl:${randomBase62(10)}:`;

// Starts one child and resolves once it is connected and waiting for the signal to go.
function startChild(
  subject: string,
  policies: RateLimitPolicy[],
): Promise<{ child: ChildProcess; result: Promise<number> }> {
  const moduleUrl = (path: string) => (src as TranspiledSrc).moduleUrl(path);
  const child = spawn(
    process.execPath,
    [
      CHILD,
      moduleUrl('rate-limit/redis/client.js'),
      moduleUrl('rate-limit/redis/limiter.js'),
      inject('redisUrl'),
      keyPrefix,
      subject,
      String(REQUESTS_PER_PROCESS),
      JSON.stringify(policies),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const result = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve((JSON.parse(line) as { admitted: number }).admitted);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('ready\n')) resolve();
    });
    result.catch(reject);
  });
  return ready.then(() => ({ child, result }));
}

beforeAll(async () => {
  src = transpileSrc();
  admin = new Redis(inject('redisUrl'));
});

afterAll(async () => {
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  src?.remove();
});

describe('RedisRateLimiter across processes', () => {
  it(`admits exactly the limit when ${PROCESSES} processes send ${REQUESTS_PER_PROCESS} requests each at once`, async () => {
    const children = await Promise.all(Array.from({ length: PROCESSES }, () => startChild('key_1', [hourly, daily])));
    for (const { child } of children) child.stdin?.write('go\n');
    const admitted = await Promise.all(children.map(({ result }) => result));
    expect(admitted.reduce((sum, n) => sum + n, 0)).toBe(hourly.limit);
    const check = await new RedisRateLimiter({ client: admin, keyPrefix, timeoutMs: 10_000 }).check('key_1', [daily]);
    expect(check.policies[0]?.remaining).toBe(daily.limit - hourly.limit);
  });
});
