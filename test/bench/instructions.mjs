// Instructions per request, counted by valgrind's callgrind: the same bare, no-op and keygate
// servers as run.mjs, each loaded under callgrind with counting switched on for the measured
// requests only. A count of executed instructions does not move with what else the machine is
// doing, so it answers "how much work does keygate add to a request" on a machine whose
// throughput ratios swing by several percent. It does not see time in the kernel or waiting on
// memory; INSTR_CACHE=1 adds callgrind's cache simulation (L1 and last-level misses, and its cycle
// estimate, Ir + 10 × L1 misses + 100 × LL misses). A complement to run.mjs, not a replacement.
//
//   pnpm --filter @keygate/test bench:instructions            (packages built; needs valgrind)
//
// Knobs: INSTR_PASSES (interleaved passes, default 3), INSTR_WARMUP (requests before counting,
// default 5000), INSTR_REQUESTS (counted, default 3000), INSTR_ONLY (express or fastify),
// INSTR_CACHE=1 (cache simulation; about twice as slow).
// Node runs with --single-threaded --predictable: no concurrent compiler or GC helper threads,
// whose share of the work otherwise varies from run to run by a few percent.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  announcement,
  COMPARED_SETUPS,
  checkProtected,
  envInt,
  interleaved,
  loadHello,
  median,
  SERVERS_DIR,
  selectedFrameworks,
  withTimeout,
} from './support.mjs';

const PASSES = envInt('INSTR_PASSES', 3, 1, 20);
const WARMUP = envInt('INSTR_WARMUP', 5000, 1, 1_000_000);
const REQUESTS = envInt('INSTR_REQUESTS', 3000, 1, 1_000_000);
const CACHE = process.env.INSTR_CACHE === '1';
// callgrind's events with --cache-sim=yes, in the order of its "Collected" line.
const CACHE_EVENTS = ['Ir', 'Dr', 'Dw', 'I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw'];
const FRAMEWORKS = selectedFrameworks('INSTR_ONLY');

function requireValgrind() {
  for (const tool of ['valgrind', 'callgrind_control']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`bench:instructions needs ${tool} (Debian/Ubuntu: apt-get install -y valgrind)`);
    }
  }
}

/** Starts one server under callgrind, counting off; resolves when it has announced its port. */
async function start(file, outDir) {
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      ...(CACHE ? ['--cache-sim=yes'] : []),
      `--callgrind-out-file=${join(outDir, 'callgrind.%p.out')}`,
      process.execPath,
      '--single-threaded',
      '--predictable',
      join(SERVERS_DIR, file),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return { child, stderr: () => stderr, ...(await announcement(child, 120_000, file)) };
}

// Under callgrind a request takes tens of times longer: a generous per-request timeout.
const load = (server, framework, amount) => loadHello(server, framework, { amount, timeout: 60 });

/** Instructions (and, with INSTR_CACHE, misses and cycle estimate) per counted request of one fresh server. */
async function measure(framework, setup, outDir) {
  const server = await start(COMPARED_SETUPS[framework][setup], outDir);
  const control = (...args) =>
    execFileSync('callgrind_control', [...args, String(server.child.pid)], { stdio: 'ignore' });
  try {
    await checkProtected(server, setup);
    await load(server, framework, WARMUP);
    control('-i', 'on');
    const responses = await load(server, framework, REQUESTS);
    control('-i', 'off');
    server.child.kill('SIGTERM');
    await withTimeout(once(server.child, 'exit'), 60_000, `${setup} server did not exit`);
    const collected = /Collected : ([\d ]+)/.exec(server.stderr());
    if (!collected) throw new Error(`no callgrind total for ${setup}:\n${server.stderr()}`);
    return perRequest(collected[1].trim().split(' ').map(Number), responses);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}

function perRequest(totals, responses) {
  if (!CACHE) return { instructions: totals[0] / responses };
  const e = Object.fromEntries(CACHE_EVENTS.map((name, i) => [name, totals[i] ?? Number.NaN]));
  const l1 = e.I1mr + e.D1mr + e.D1mw;
  const ll = e.ILmr + e.DLmr + e.DLmw;
  return {
    instructions: e.Ir / responses,
    l1Misses: l1 / responses,
    llMisses: ll / responses,
    cycles: (e.Ir + 10 * l1 + 100 * ll) / responses,
  };
}

const int = (n) => Math.round(n).toLocaleString('en-US');

function report(framework, setups, counts) {
  const figure = (setup, field) => median(counts[setup].map((c) => c[field]));
  const bare = figure('bare', 'instructions');
  console.log(`\n${framework}`);
  const cacheHead = CACHE ? '   L1 miss/req   LL miss/req   est. cycles/req   vs bare' : '';
  console.log(`  setup              instr/request (median)   vs bare   added/request${cacheHead}   instr per pass`);
  for (const setup of setups) {
    const own = figure(setup, 'instructions');
    const added = setup === 'bare' ? '–' : int(own - bare);
    const perPass = counts[setup].map((c) => int(c.instructions)).join(' / ');
    const cache = CACHE
      ? `   ${int(figure(setup, 'l1Misses')).padStart(11)}   ${int(figure(setup, 'llMisses')).padStart(11)}` +
        `   ${int(figure(setup, 'cycles')).padStart(15)}   ${(figure('bare', 'cycles') / figure(setup, 'cycles')).toFixed(3).padStart(7)}`
      : '';
    console.log(
      `  ${setup.padEnd(18)} ${int(own).padStart(22)}   ${(bare / own).toFixed(3).padStart(7)}   ${added.padStart(13)}${cache}   ${perPass}`,
    );
  }
}

requireValgrind();
const outDir = mkdtempSync(join(tmpdir(), 'keygate-callgrind-'));
try {
  console.log(
    `instructions: ${PASSES} interleaved passes, ${REQUESTS} counted requests per server (after ${WARMUP}), ` +
      `10 connections, node --single-threaded --predictable under callgrind${CACHE ? ' with cache simulation' : ''} (${new Date().toISOString()})`,
  );
  for (const framework of FRAMEWORKS) {
    const setups = Object.keys(COMPARED_SETUPS[framework]);
    const counts = await interleaved(setups, PASSES, (setup) => measure(framework, setup, outDir));
    report(framework, setups, counts);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
