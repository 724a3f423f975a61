// Where the CLI finds its store, and what it says when the store cannot be reached.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../../test/support/redis-global-setup.js';
import { cli, json } from './support/cli.js';

const redisUrl = inject('redisUrl');
const keyPrefix = `keygate-cli-test:${randomBytes(5).toString('hex')}:`;

afterAll(async () => {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
});

describe('keygate store options', () => {
  it('exits 1 when the store cannot be reached, without printing its password', async () => {
    const run = await cli(['list', '--store', 'redis://admin:hunter2-secret@127.0.0.1:1', '--owner', 'o']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot connect to Redis');
    expect(run.stderr).not.toContain('hunter2-secret');
  });

  it('reads the store URL from the KEYGATE_STORE environment variable', async () => {
    const args = ['create', '--key-prefix', keyPrefix, '--owner', 'env_owner', '--name', 'n', '--json'];
    const created = json(await cli(args, '', { KEYGATE_STORE: redisUrl }));
    expect(created.apiKey.owner).toBe('env_owner');
  });
});
