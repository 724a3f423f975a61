// Starts private redis-server processes on free loopback ports, for tests that need a Redis of
// their own (the global setup, tests that kill Redis, Redis Cluster tests).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../packages/core/test/support/poll.js';

/** A redis-server child process. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port after stop/kill. */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: `apt-get install -y redis-server`) or point REDIS_URL at a running Redis.';

/** Fails with a message saying how to get the binary, never silently. */
export function assertBinary(name: string): void {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${name} was not found on PATH. ${INSTALL_HINT}`);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts redis-server on a free loopback port with no persistence; extra args are appended. */
export async function startRedisServer(extraArgs: string[] = [], port?: number): Promise<RedisServer> {
  assertBinary('redis-server');
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'keygate-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, ...extraArgs);
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPort(chosen, 10_000);
  };
  const halt = async (signal: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill(signal);
    });
  };

  await launch();
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    restart: launch,
  };
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  return until(`redis-server to answer on 127.0.0.1:${port}`, () => answersPing(port), { timeoutMs, everyMs: 25 });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
