// The throughput runner (context only: no targets, no verdicts): req/s and server CPU time per
// request of every setup of support.mjs under autocannon, each run compared with runs of its
// framework's bare server just before and after it. Wall-clock figures on a shared VM move by
// several percent from run to run; the deterministic runner (deterministic.mjs) is the measure.
//
//   pnpm bench:throughput        (from test/, packages built; BENCH_QUICK=1: one round)
//
// In each round, per framework: bare, A, bare, B, …, bare (the order of A, B, … rotates each
// round), every run on a fresh server, the only one running. A run's ratio is its req/s over the
// geometric mean of the two bare runs around it; figures are medians over rounds.
// Knobs: BENCH_ROUNDS (default 3), BENCH_DURATION (measured seconds, 5), BENCH_WARMUP_SECONDS (1),
// BENCH_CONNECTIONS (10), BENCH_ONLY (see support.mjs), REDIS_URL (default: a private redis-server).
import {
  checkServer,
  cpuTimeUs,
  envInt,
  fmtInt,
  fmtRange,
  fmtRatio,
  load,
  median,
  printMachine,
  printTable,
  QUICK,
  selectSetups,
  startRedis,
  startServer,
  stopServer,
} from './support.mjs';

const config = Object.freeze({
  rounds: envInt('BENCH_ROUNDS', QUICK ? 1 : 3, 1, 20),
  duration: envInt('BENCH_DURATION', 5, 1, 120),
  warmup: envInt('BENCH_WARMUP_SECONDS', 1, 0, 30),
  connections: envInt('BENCH_CONNECTIONS', 10, 1, 1000),
});

/** One run: a fresh server, checked, warmed up, loaded for `duration` seconds, stopped. */
async function measure(setup, redis) {
  const env = setup.redis ? { REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix(setup.id) } : {};
  const server = await startServer(setup, { env });
  try {
    await checkServer(server);
    const { connections } = config;
    if (config.warmup > 0) await load(server, { duration: config.warmup, connections });
    const cpuBefore = cpuTimeUs(server.pid);
    const { ok, duration } = await load(server, { duration: config.duration, connections });
    return { rps: ok / duration, cpuPerRequestUs: (cpuTimeUs(server.pid) - cpuBefore) / ok };
  } finally {
    await stopServer(server);
  }
}

/** One round of one framework: bare before, between and after the others; each run's ratios to the bare runs around it. */
async function round(bare, others, roundIndex, redis, runs) {
  let before = await measure(bare, redis);
  runs.get(bare.id).push(before);
  for (let i = 0; i < others.length; i++) {
    const setup = others[(i + roundIndex) % others.length];
    const run = await measure(setup, redis);
    const after = await measure(bare, redis);
    run.ratio = run.rps / Math.sqrt(before.rps * after.rps);
    run.cpuRatio = Math.sqrt(before.cpuPerRequestUs * after.cpuPerRequestUs) / run.cpuPerRequestUs;
    runs.get(setup.id).push(run);
    runs.get(bare.id).push(after);
    console.log(
      `round ${roundIndex + 1}/${config.rounds}  ${setup.id.padEnd(28)} ${fmtInt(run.rps).padStart(7)} req/s  ` +
        `${fmtRatio(run.ratio)} of bare  ${run.cpuPerRequestUs.toFixed(1)} µs CPU/req`,
    );
    before = after;
  }
}

function report(framework, setups, runs) {
  const rows = setups
    .filter((s) => s.framework === framework)
    .map((s) => {
      const r = runs.get(s.id);
      const isBare = s.role === 'bare';
      return [
        s.label,
        fmtInt(median(r.map((x) => x.rps))),
        isBare ? '1' : fmtRatio(median(r.map((x) => x.ratio))),
        isBare ? '–' : fmtRange(r.map((x) => x.ratio)),
        median(r.map((x) => x.cpuPerRequestUs)).toFixed(1),
        isBare ? '1' : fmtRatio(median(r.map((x) => x.cpuRatio))),
      ];
    });
  console.log(`\n${framework} (median over ${config.rounds} round${config.rounds === 1 ? '' : 's'})\n`);
  printTable(['setup', 'req/s', 'vs bare', 'rounds', 'server CPU µs/req', 'CPU vs bare'], rows);
}

async function main() {
  printMachine('keygate throughput benchmark (context only; the deterministic runner is the measure)');
  console.log(
    `autocannon, ${config.connections} connections, ${config.warmup} s warm-up + ${config.duration} s measured, ` +
      `${config.rounds} rounds\n`,
  );
  const setups = selectSetups().filter((s) => s.group !== 'flood');
  const redis = setups.some((s) => s.redis) ? await startRedis() : undefined;
  try {
    const runs = new Map(setups.map((s) => [s.id, []]));
    const frameworks = [...new Set(setups.map((s) => s.framework))];
    for (let r = 0; r < config.rounds; r++) {
      for (const framework of frameworks) {
        const group = setups.filter((s) => s.framework === framework);
        await round(
          group.find((s) => s.role === 'bare'),
          group.filter((s) => s.role !== 'bare'),
          r,
          redis,
          runs,
        );
      }
    }
    for (const framework of frameworks) report(framework, setups, runs);
  } finally {
    await redis?.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exit(1);
  },
);
