// Several Node processes spend the last credits of one owner at once, each with its own client to
// the same Redis or the same PostgreSQL schema, each running loops that spend 1 credit as fast as
// they can until refused: together they must spend exactly what the allowance held, leave it at 0,
// and never see it below zero. The children run the current src/ (support/transpiled-src.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl, postgresSchema } from '../../../../test/support/postgres.js';
import type {} from '../../../../test/support/redis-global-setup.js';
import type { CreditState } from '../../src/credits/allowance.js';
import { randomBase62 } from '../../src/key/base62.js';
import { PostgresStore } from '../../src/postgres.js';
import { RedisStore } from '../../src/redis.js';
import type { CreditStore } from '../../src/stores/credit-store.js';
import { randomOwner } from '../support/records.js';
import { type TranspiledSrc, transpileSrc } from '../support/transpiled-src.js';

const CHILD = fileURLToPath(new URL('./fixtures/credits-child.mjs', import.meta.url));
const PROCESSES = 4;
const LOOPS_PER_PROCESS = 4;
const OWNER_CREDITS = 400;
const KEY_CREDITS = 150;
const LINEAGE = 'AAAAAAAAAAAA';
// Starting four Node processes on a busy machine takes a while; the spends themselves do not.
const RACE_TIMEOUT_MS = 60_000;
const plain = (remaining: number): CreditState => ({ remaining, refill: null, refillAt: null });

interface Backend {
  readonly kind: 'redis' | 'postgres';
  readonly storeModule: string;
  readonly url: string;
  /** Where the children's store keeps its data: a Redis key prefix, or `schema.table`. */
  readonly where: string;
  readonly store: CreditStore;
}

interface ChildReport {
  spent: number;
  odd: unknown[];
}

let src: TranspiledSrc;
beforeAll(() => {
  src = transpileSrc();
});
afterAll(() => src?.remove());

// Starts one child and resolves once it is connected and waiting for the signal to go.
function startChild(
  backend: Backend,
  owner: string,
  lineage: string | undefined,
): Promise<{ child: ChildProcess; result: Promise<ChildReport> }> {
  const args = [
    CHILD,
    backend.kind,
    src.moduleUrl(backend.storeModule),
    backend.url,
    backend.where,
    owner,
    lineage ?? '',
    String(LOOPS_PER_PROCESS),
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const result = new Promise<ChildReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line && stderr === '') resolve(JSON.parse(line) as ChildReport);
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

// Runs PROCESSES children against one allowance at once; what each reported.
async function race(backend: Backend, owner: string, lineage: string | undefined): Promise<ChildReport[]> {
  const children = await Promise.all(Array.from({ length: PROCESSES }, () => startChild(backend, owner, lineage)));
  for (const { child } of children) child.stdin?.write('go\n');
  return Promise.all(children.map(({ result }) => result));
}

function describeRace(name: string, backend: () => Backend): void {
  describe(`${name} credits across processes`, () => {
    it(
      `spends exactly the owner's ${OWNER_CREDITS} credits when ${PROCESSES} processes spend its last ones at once`,
      async () => {
        const { store } = backend();
        const owner = randomOwner();
        await store.setCredits({ owner }, plain(OWNER_CREDITS));
        const reports = await race(backend(), owner, undefined);
        expect(reports.flatMap((r) => r.odd)).toStrictEqual([]);
        expect(reports.reduce((sum, r) => sum + r.spent, 0)).toBe(OWNER_CREDITS);
        // A race, not a relay: more than one process got credits.
        expect(reports.filter((r) => r.spent > 0).length).toBeGreaterThan(1);
        expect(await store.getCredits({ owner })).toStrictEqual(plain(0));
      },
      RACE_TIMEOUT_MS,
    );

    it(
      `spends exactly a key lineage's ${KEY_CREDITS} credits, and as many of its owner's, when ${PROCESSES} processes race`,
      async () => {
        const { store } = backend();
        const owner = randomOwner();
        await store.setCredits({ owner }, plain(OWNER_CREDITS));
        await store.setCredits({ owner, lineage: LINEAGE }, plain(KEY_CREDITS));
        const reports = await race(backend(), owner, LINEAGE);
        expect(reports.flatMap((r) => r.odd)).toStrictEqual([]);
        expect(reports.reduce((sum, r) => sum + r.spent, 0)).toBe(KEY_CREDITS);
        expect(await store.getCredits({ owner, lineage: LINEAGE })).toStrictEqual(plain(0));
        expect(await store.getCredits({ owner })).toStrictEqual(plain(OWNER_CREDITS - KEY_CREDITS));
      },
      RACE_TIMEOUT_MS,
    );
  });
}

describe('on Redis', () => {
  let admin: Redis;
  const keyPrefix = `keygate-test:credits:${randomBase62(10)}:`;

  beforeAll(() => {
    admin = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    const keys = await admin.keys(`${keyPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  describeRace('RedisStore', () => ({
    kind: 'redis',
    storeModule: 'stores/redis/store.js',
    url: inject('redisUrl'),
    where: keyPrefix,
    store: new RedisStore({ client: admin, keyPrefix, timeoutMs: 10_000 }),
  }));
});

describe('on PostgreSQL', () => {
  const db = postgresSchema({ max: 2 });
  const table = 'race_keys';
  let store: PostgresStore;

  beforeAll(async () => {
    store = new PostgresStore({ pool: db.pool(), schema: db.schema, table, timeoutMs: 10_000 });
    await store.migrate();
  });

  describeRace('PostgresStore', () => ({
    kind: 'postgres',
    storeModule: 'stores/postgres/store.js',
    url: databaseUrl,
    where: `${db.schema}.${table}`,
    store,
  }));
});
