// A throwaway 3-master Redis Cluster for tests: three private redis-server processes on free
// ports, joined with `redis-cli --cluster create`, stopped and removed by stop().
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assertBinary, type RedisServer, startRedisServer } from '../../../../test/support/redis-server.js';
import { until } from './poll.js';

const run = promisify(execFile);

/** A running test cluster. */
export interface RedisCluster {
  /** The masters' addresses, for `new Cluster(nodes)`. */
  readonly nodes: readonly { host: string; port: number }[];
  /** Stops every node and deletes their files. */
  stop(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers, creates the cluster and waits for `cluster_state:ok` on each. */
export async function startRedisCluster(timeoutMs = 20_000): Promise<RedisCluster> {
  assertBinary('redis-cli');
  const dir = mkdtempSync(join(tmpdir(), 'keygate-cluster-'));
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const config = join(dir, `nodes-${i}.conf`);
      servers.push(await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', config]));
    }
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const server of servers) {
      await until(
        `Redis Cluster node ${server.port} to reach cluster_state:ok`,
        async () =>
          (await run('redis-cli', ['-p', String(server.port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
        { timeoutMs, everyMs: 50 },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })), stop };
}
