// Paired throughput: a setup and the bare server loaded at the same time, both pinned to one vCPU,
// autocannon (this process) pinned to another. The two servers take turns on their vCPU under the
// kernel's fair scheduler, so whatever the host does to that vCPU's speed, it does to both at once:
// the ratio of their responses is the ratio of their costs per request. On a VM whose sequential
// runs (run.mjs) swing between discrete speed levels, this resolves a difference of a few percent in
// a minute. Each pair of servers is fresh per round; a bare/bare pair is the control (its ratio
// shows the method's own bias and spread). The two servers share one core's caches, which makes
// every added step dearer than when a server runs alone: read its ratios as a comparison of setups
// (and of code changes), not as run.mjs's ratios. A complement to run.mjs, not a replacement.
//
//   pnpm --filter @keygate/test bench:paired            (packages built; Linux with taskset, ≥ 2 CPUs)
//
// Knobs: PAIRED_ROUNDS (default 6), PAIRED_DURATION (measured seconds, default 5), PAIRED_WARMUP
// (seconds, default 2), PAIRED_CONNECTIONS (per server, default 10), PAIRED_ONLY (express or fastify).
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  COMPARED_SETUPS,
  checkProtected,
  cpuTime,
  envInt,
  forkServer,
  interleaved,
  loadHello,
  median,
  selectedFrameworks,
  stopChild,
} from './support.mjs';

const ROUNDS = envInt('PAIRED_ROUNDS', 6, 1, 50);
const DURATION = envInt('PAIRED_DURATION', 5, 1, 60);
const WARMUP = envInt('PAIRED_WARMUP', 2, 0, 30);
const CONNECTIONS = envInt('PAIRED_CONNECTIONS', 10, 1, 500);
const FRAMEWORKS = selectedFrameworks('PAIRED_ONLY');
const RUNNER_CPU = 0;
const SERVER_CPU = 1;

function requirePinning() {
  const probe = spawnSync('taskset', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('bench:paired needs taskset (Debian/Ubuntu: apt-get install -y util-linux)');
  }
  if (availableParallelism() < 2) throw new Error('bench:paired needs at least 2 CPUs');
}

/** Pins every thread of a process to one CPU (threads it starts later inherit it). */
const pin = (pid, cpu) => execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });

async function start(file) {
  const server = await forkServer(file);
  pin(server.child.pid, SERVER_CPU);
  return server;
}

// Loads both servers at once; which load starts first alternates with the round.
async function loadBoth(pair, framework, duration, round) {
  const order = round % 2 === 0 ? pair : [pair[1], pair[0]];
  const counts = await Promise.all(
    order.map((server) => loadHello(server, framework, { duration, connections: CONNECTIONS })),
  );
  return round % 2 === 0 ? counts : [counts[1], counts[0]];
}

/** One round of one setup: fresh bare and setup servers side by side; its throughput and CPU per request vs bare. */
async function measurePair(framework, setup, round) {
  const files = COMPARED_SETUPS[framework];
  const pair = await Promise.all([start(files.bare), start(files[setup])]);
  try {
    await checkProtected(pair[1], setup);
    if (WARMUP > 0) await loadBoth(pair, framework, WARMUP, round);
    const cpuBefore = await Promise.all(pair.map((s) => cpuTime(s.child)));
    const [bare, other] = await loadBoth(pair, framework, DURATION, round);
    const [bareCpu, otherCpu] = await Promise.all(pair.map(async (s, i) => (await cpuTime(s.child)) - cpuBefore[i]));
    // Both servers' CPU time over the wall time: about 1 when their vCPU was saturated, as it must be.
    const busy = (bareCpu + otherCpu) / (DURATION * 1e6);
    const cpuRatio = bareCpu / bare / (otherCpu / other);
    return { ratio: other / bare, cpuRatio, busy, rps: [bare / DURATION, other / DURATION] };
  } finally {
    await Promise.all(pair.map((server) => stopChild(server.child)));
  }
}

const fmt = (x) => x.toFixed(3);

async function main() {
  requirePinning();
  pin(process.pid, RUNNER_CPU);
  console.log(
    `paired: ${ROUNDS} rounds, ${WARMUP} s warm-up + ${DURATION} s measured, ${CONNECTIONS} connections per server; ` +
      `servers on CPU ${SERVER_CPU}, autocannon on CPU ${RUNNER_CPU} (${new Date().toISOString()})`,
  );
  for (const framework of FRAMEWORKS) {
    const setups = Object.keys(COMPARED_SETUPS[framework]);
    const results = await interleaved(setups, ROUNDS, async (setup, round) => {
      const run = await measurePair(framework, setup, round);
      const [bare, other] = run.rps.map((x) => Math.round(x));
      console.log(
        `round ${round + 1}/${ROUNDS}  ${framework} ${setup.padEnd(17)} ${fmt(run.ratio)}  ` +
          `(${other} vs ${bare} req/s; server CPU busy ${run.busy.toFixed(2)})`,
      );
      return run;
    });
    console.log(`\n${framework}: each setup side by side with bare (bare vs bare is the control)`);
    console.log('  setup              vs bare (median)   range            CPU ratio (median)');
    for (const setup of setups) {
      const ratios = results[setup].map((r) => r.ratio);
      const range = `${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`;
      const label = setup === 'bare' ? 'bare (control)' : setup;
      const cpu = median(results[setup].map((r) => r.cpuRatio));
      console.log(
        `  ${label.padEnd(18)} ${fmt(median(ratios)).padStart(16)}   ${range.padEnd(15)}  ${fmt(cpu).padStart(18)}`,
      );
    }
    console.log('');
  }
}

await main();
