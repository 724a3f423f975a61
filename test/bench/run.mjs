// HTTP overhead benchmark: keygate vs no authentication vs a peer library, per framework.
//
//   pnpm bench                       (from the repository root: builds the packages, then runs this)
//   BENCH_DURATION=5 BENCH_ROUNDS=3 node bench/run.mjs   (from test/, packages already built)
//
// Every server is a child process on a free loopback port, started fresh for each measurement and
// the only server running while it is loaded. Rounds are interleaved: in each round, every scenario
// of every framework is loaded once (warm-up, then a measured run), with the framework's bare server
// loaded before, between and after them; each run is compared with the bare runs on either side of
// it, so slow drift of a noisy machine cancels out. Figures are medians over rounds. See docs/benchmarks.md.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createKeygate, hmacSha256Hasher, MemoryStore, scryptHasher } from '@keygate/core';
import autocannon from 'autocannon';
import { splitCommands, startRedis } from './redis.mjs';
import { cpuTime, envInt, forkServer, KEY_HEADERS, median, stopChild, withTimeout } from './support.mjs';

const config = Object.freeze({
  duration: envInt('BENCH_DURATION', 5, 1, 120),
  rounds: envInt('BENCH_ROUNDS', 3, 1, 20),
  warmup: envInt('BENCH_WARMUP', 1, 0, 30),
  connections: envInt('BENCH_CONNECTIONS', 10, 1, 1000),
  pipelining: 1,
  coldIterations: envInt('BENCH_COLD_N', 20, 1, 10_000),
  // A run counts towards its setup's ratios only when the bare runs around it differ by at most this
  // many percent (the machine held still); see summarise().
  steadyPct: envInt('BENCH_STEADY_PCT', 10, 1, 1000),
  // e.g. BENCH_ONLY=fastify, or BENCH_ONLY=rate: a framework, or part of a label (case-insensitive);
  // the bare baseline of each framework with a selected setup always runs.
  only: process.env.BENCH_ONLY?.split(',')
    .map((o) => o.trim())
    .filter(Boolean),
  floor: process.env.BENCH_FLOOR === '1', // also run the 'floor' scenarios (a hook that does nothing)
  json: process.env.BENCH_JSON, // path: also write the raw per-round results there
});

/**
 * Frameworks: how the load presents a key (one header shape per framework, sent to every server of
 * that framework, the bare one included) and the targets, as minimum throughput ratios vs bare.
 */
const frameworks = {
  fastify: { headers: KEY_HEADERS.fastify, targets: { keygate: 0.93 } },
  express: { headers: KEY_HEADERS.express, targets: { keygate: 0.95 } },
};

// How the ratio columns of both tables are computed (see summarise).
const RATIO_NOTE =
  'vs bare: each run’s req/s over the geometric mean of the bare runs just before and after it, median over its ' +
  `steady runs (the two bare runs within ${config.steadyPct} % of each other); overhead: CPU/req over the same two bare runs`;

// The columns both throughput tables (authentication and rate limiting) start with, and their cells.
const THROUGHPUT_COLUMNS = [
  'Framework',
  'Setup',
  'Role',
  'req/s',
  'vs bare',
  'p99 (ms)',
  'server CPU/req (µs)',
  'overhead (µs)',
  'steady runs',
];

// The keygate server with 10,000 other keys in its verified-key cache (a server with many clients),
// loaded with one key: no target, a reference for the cache's behaviour when full.
const manyKeys = { env: { BENCH_CACHED_KEYS: '10000' }, target: null };

/**
 * What is measured. To add a comparison (e.g. rate limiters), add a server in servers/ and an entry
 * here: `role` is 'bare' (the framework's baseline; one per framework), 'keygate', 'peer', or
 * 'floor' (a hook or middleware that does nothing: the price of any auth step; run with BENCH_FLOOR=1).
 * Optional: `env` (extra environment for the server), `target` (minimum ratio vs bare, overriding
 * the framework's target for the role; null for none).
 */
const scenarios = [
  { framework: 'fastify', label: 'bare', server: 'fastify-bare.mjs', role: 'bare' },
  { framework: 'fastify', label: '@keygate/fastify', server: 'fastify-keygate.mjs', role: 'keygate' },
  { framework: 'fastify', label: '@fastify/bearer-auth', server: 'fastify-bearer-auth.mjs', role: 'peer' },
  {
    framework: 'fastify',
    label: '@keygate/fastify, 10k cached',
    server: 'fastify-keygate.mjs',
    role: 'keygate',
    ...manyKeys,
  },
  { framework: 'express', label: 'bare', server: 'express-bare.mjs', role: 'bare' },
  { framework: 'express', label: '@keygate/express', server: 'express-keygate.mjs', role: 'keygate' },
  { framework: 'express', label: 'passport-headerapikey', server: 'express-passport.mjs', role: 'peer' },
  {
    framework: 'express',
    label: '@keygate/express, 10k cached',
    server: 'express-keygate.mjs',
    role: 'keygate',
    ...manyKeys,
  },
  // Rate limiting (`rateLimit: true`: their own table): keygate's `rateLimit` option with core's
  // in-memory and Redis limiters, and each framework's peer authentication plus a peer rate limiter.
  // One policy per key that no run reaches (servers/rate-limit-common.mjs), so every request is
  // counted and none is limited. `redis: true`: the server gets REDIS_URL and a key prefix of its
  // own, and its Redis commands per request are counted (see redis.mjs).
  ...[
    {
      label: '@keygate/fastify, rateLimit memory',
      server: 'fastify-keygate-rl-memory.mjs',
      role: 'keygate',
      target: 0.85,
    },
    {
      label: '@keygate/fastify, rateLimit Redis',
      server: 'fastify-keygate-rl-redis.mjs',
      role: 'keygate',
      target: 0.6,
      redis: true,
    },
    { label: 'bearer-auth + @fastify/rate-limit memory', server: 'fastify-rate-limit-memory.mjs', role: 'peer' },
    {
      label: 'bearer-auth + @fastify/rate-limit Redis',
      server: 'fastify-rate-limit-redis.mjs',
      role: 'peer',
      redis: true,
    },
    { label: 'bearer-auth + rate-limiter-flexible memory', server: 'fastify-rlflex-memory.mjs', role: 'peer' },
    {
      label: 'bearer-auth + rate-limiter-flexible Redis',
      server: 'fastify-rlflex-redis.mjs',
      role: 'peer',
      redis: true,
    },
  ].map((s) => ({ framework: 'fastify', rateLimit: true, ...s })),
  ...[
    {
      label: '@keygate/express, rateLimit memory',
      server: 'express-keygate-rl-memory.mjs',
      role: 'keygate',
      target: null,
    },
    {
      label: '@keygate/express, rateLimit Redis',
      server: 'express-keygate-rl-redis.mjs',
      role: 'keygate',
      target: null,
      redis: true,
    },
    { label: 'passport + express-rate-limit memory', server: 'express-rate-limit-memory.mjs', role: 'peer' },
    {
      label: 'passport + express-rate-limit + rate-limit-redis',
      server: 'express-rate-limit-redis.mjs',
      role: 'peer',
      redis: true,
    },
    { label: 'passport + rate-limiter-flexible Redis', server: 'express-rlflex-redis.mjs', role: 'peer', redis: true },
  ].map((s) => ({ framework: 'express', rateLimit: true, ...s })),
  { framework: 'fastify', label: 'no-op onRequest hook', server: 'fastify-noop-hook.mjs', role: 'floor' },
  { framework: 'express', label: 'no-op middleware', server: 'express-noop-middleware.mjs', role: 'floor' },
]
  .filter((s) => s.role !== 'floor' || config.floor)
  .filter(
    (s, _, all) => selected(s) || (s.role === 'bare' && all.some((t) => t.framework === s.framework && selected(t))),
  );

function selected(s) {
  if (!config.only) return true;
  const label = s.label.toLowerCase();
  return config.only.some((o) => {
    const want = o.toLowerCase();
    if (want.startsWith('=')) return label === want.slice(1); // '=label': exactly that setup
    return o === s.framework || label.includes(want);
  });
}

const children = new Set();
let redis; // the run's Redis (redis.mjs), when a scenario needs one
const redisSamples = new Map(); // scenario → its MONITOR sample (commands per request, by name)
const REDIS_SAMPLE_REQUESTS = 2000;
const REDIS_TOLERANCE = 0.01; // keygate must send 1 ± this many Redis commands per request
let stopping = false; // set once the servers are being stopped on purpose
let failed = false;
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  failed = true;
} finally {
  await stopChildren();
  await redis?.close().catch((error) => {
    console.error(`bench: could not clean up Redis: ${error instanceof Error ? error.message : error}`);
    failed = true;
  });
}
process.exit(failed ? 1 : 0);

async function main() {
  const machine = describeMachine();
  console.log('keygate benchmark');
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}`);
  console.log(`date:    ${machine.date}`);
  console.log(`load average at start (1/5/15 min): ${machine.loadavg}`);
  console.log(
    `load:    autocannon, ${config.connections} connections, pipelining ${config.pipelining}, ` +
      `${config.warmup} s warm-up + ${config.duration} s measured, ${config.rounds} interleaved rounds\n`,
  );
  checkScenarios();
  if (scenarios.some((s) => s.redis)) {
    redis = await startRedis();
    machine.redis = redis.description;
    console.log(`redis:   ${redis.description}; each Redis setup writes under a key prefix of its own\n`);
    for (const s of scenarios.filter((x) => x.redis)) {
      s.env = { ...s.env, REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix(s.server.replace(/\.mjs$/, '')) };
    }
  }

  const runs = new Map(scenarios.map((s) => [s, []]));
  const groups = Object.keys(frameworks)
    .map((name) => scenarios.filter((s) => s.framework === name))
    .filter((g) => g.length > 0);
  const started = performance.now();
  for (let round = 0; round < config.rounds; round++) {
    for (const group of groups) {
      const bare = group.find((s) => s.role === 'bare');
      const others = group.filter((s) => s !== bare);
      // Bare runs before, between and after the others (bare, A, bare, B, …, bare): each setup is
      // compared with the bare runs on either side of it, so drift of the machine over a round
      // cancels out. The order rotates every round so no setup always runs first.
      let before = await measureOnce(bare, round, runs);
      for (let i = 0; i < others.length; i++) {
        const run = await measureOnce(others[(i + round) % others.length], round, runs);
        const after = await measureOnce(bare, round, runs);
        run.bareRps = Math.sqrt(before.rps * after.rps);
        run.bareCpuPerReqUs = Math.sqrt(before.cpuPerReqUs * after.cpuPerReqUs);
        run.steady = Math.max(before.rps, after.rps) <= Math.min(before.rps, after.rps) * (1 + config.steadyPct / 100);
        before = after;
      }
    }
  }
  machine.loadavgAfter = fmtLoad();
  console.log(
    `\nload phase: ${((performance.now() - started) / 1000).toFixed(0)} s; load average after: ${machine.loadavgAfter}\n`,
  );

  const summary = summarise(runs);
  printTable(summary.filter((s) => !s.rateLimit));
  printRateLimit(summary);
  const verdicts = printTargets(summary);
  checkRedisRoundTrips(summary);

  await redis?.close(); // the in-process measurements below get the machine to themselves
  const cold = await measureVerification();
  printVerification(cold);

  if (config.json) {
    const raw = { machine, config, summary, verdicts, cold, runs: [...runs].map(([s, r]) => ({ ...s, runs: r })) };
    writeFileSync(config.json, `${JSON.stringify(raw, null, 2)}\n`);
    console.log(`\nraw results: ${config.json}`);
  }
}

/**
 * One measurement of one setup: a fresh server process, alone on the machine (see "One server at a
 * time" in docs/benchmarks.md: idle servers left running made others up to 30 % slower), checked,
 * loaded, stopped. The run is recorded under its scenario and returned.
 */
async function measureOnce(scenario, round, runs) {
  const server = await startServer(scenario);
  await sanityCheck(scenario, server);
  if (scenario.redis && !redisSamples.has(scenario)) {
    redisSamples.set(scenario, await sampleRedis(scenario, server));
  }
  const run = { round, ...(await measure(scenario, server)) };
  await stopServer(server);
  runs.get(scenario).push(run);
  console.log(
    `round ${round + 1}/${config.rounds}  ${scenario.framework.padEnd(8)} ${scenario.label.padEnd(30)} ` +
      `${fmtInt(run.rps).padStart(7)} req/s  p99 ${run.p99} ms  ${run.cpuPerReqUs.toFixed(1)} µs CPU/req` +
      (run.redis ? `  ${run.redis.sent.toFixed(3)} Redis cmd/req` : ''),
  );
  return run;
}

function checkScenarios() {
  for (const name of new Set(scenarios.map((s) => s.framework))) {
    if (!frameworks[name]) throw new Error(`unknown framework ${name}`);
    const bare = scenarios.filter((s) => s.framework === name && s.role === 'bare');
    if (bare.length !== 1) throw new Error(`${name}: needs exactly one 'bare' scenario, found ${bare.length}`);
  }
  for (const s of scenarios) {
    if (!['bare', 'keygate', 'peer', 'floor'].includes(s.role)) throw new Error(`${s.label}: unknown role ${s.role}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

async function startServer(scenario) {
  const { child, port, key } = await forkServer(scenario.server, scenario.env);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('exit', (code, signal) => {
    if (!stopping && !child.stopping) {
      failed = true;
      console.error(`bench: ${scenario.server} died during the run (${signal ?? code})`);
    }
  });
  const url = `http://127.0.0.1:${port}/hello`;
  return { child, url, headers: frameworks[scenario.framework].headers(key) };
}

/** Stops one server and waits for it to exit (SIGKILL after 5 s). */
async function stopServer({ child }) {
  child.stopping = true;
  await stopChild(child);
}

async function stopChildren() {
  stopping = true;
  const exits = [...children].map((child) => once(child, 'exit'));
  killChildren();
  await withTimeout(Promise.all(exits), 5_000, 'servers did not exit').catch(() => {
    for (const child of children) child.kill('SIGKILL');
  });
}

function killChildren() {
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

/** The protected servers must refuse a request without a key and with a wrong key, and accept the key. */
async function sanityCheck(scenario, server) {
  const ok = await fetch(server.url, { headers: server.headers });
  const body = await ok.text();
  if (ok.status !== 200 || JSON.parse(body).hello !== 'world') {
    throw new Error(`${scenario.label} (${scenario.framework}): expected 200 with the key, got ${ok.status} ${body}`);
  }
  if (scenario.role === 'bare' || scenario.role === 'floor') return;
  const wrongKey = frameworks[scenario.framework].headers(`kg_${'A'.repeat(12)}_${'B'.repeat(49)}`);
  for (const headers of [{}, wrongKey]) {
    const refused = await fetch(server.url, { headers });
    await refused.arrayBuffer();
    if (refused.status < 400) {
      throw new Error(`${scenario.label} (${scenario.framework}): a request without a valid key got ${refused.status}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Load

async function measure(scenario, server) {
  const load = (duration) =>
    autocannon({
      url: server.url,
      headers: server.headers,
      connections: config.connections,
      pipelining: config.pipelining,
      duration,
    });
  if (config.warmup > 0) checkResult(scenario, await load(config.warmup), 'warm-up');
  const cpuBefore = await cpuTime(server.child);
  const redisBefore = scenario.redis ? await redis.stats() : undefined;
  const result = await load(config.duration);
  const redisAfter = scenario.redis ? await redis.stats() : undefined;
  const cpuUs = (await cpuTime(server.child)) - cpuBefore;
  checkResult(scenario, result, 'measured run');
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    requests: ok,
    duration: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerReqUs: cpuUs / ok,
    redis: scenario.redis ? redisPerRequest(redisBefore, redisAfter, redisSamples.get(scenario), ok) : undefined,
  };
}

function checkResult(scenario, result, what) {
  const problems = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses`);
  if (result.errors > 0) problems.push(`${result.errors} errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  if (result['2xx'] === 0) problems.push('no 2xx response');
  if (problems.length > 0) {
    throw new Error(`${scenario.framework} ${scenario.label}, ${what}: ${problems.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

// Per setup: medians over its runs. Ratios are per run, against the bare runs on either side of it
// (geometric mean of the two), then the median over the steady runs: those whose two bare runs
// agree within steadyPct, i.e. the machine did not change speed around them. When no run of a
// setup was steady, its ratios are the median over all its runs, flagged in the tables.
function summarise(runs) {
  return scenarios.map((scenario) => {
    const r = runs.get(scenario);
    const isBare = scenario.role === 'bare';
    const steady = r.filter((x) => x.steady);
    const counted = steady.length > 0 ? steady : r;
    return {
      framework: scenario.framework,
      label: scenario.label,
      role: scenario.role,
      rps: median(r.map((x) => x.rps)),
      ratio: isBare ? 1 : median(counted.map((x) => x.rps / x.bareRps)),
      p99: median(r.map((x) => x.p99)),
      cpuPerReqUs: median(r.map((x) => x.cpuPerReqUs)),
      overheadUs: isBare ? 0 : median(counted.map((x) => x.cpuPerReqUs - x.bareCpuPerReqUs)),
      // What the ratio would be if the server were the only bottleneck: bare CPU/request over this one's.
      cpuRatio: isBare ? 1 : median(counted.map((x) => x.bareCpuPerReqUs / x.cpuPerReqUs)),
      steadyRuns: isBare ? undefined : `${steady.length}/${r.length}`,
      // Most runs steady: enough for a verdict on a target (see printTargets).
      steadyMajority: isBare || steady.length * 2 > r.length,
      // req/s per round (for bare, the median of its runs in that round).
      rounds: [...new Set(r.map((x) => x.round))].map((round) =>
        Math.round(median(r.filter((x) => x.round === round).map((x) => x.rps))),
      ),
      rateLimit: scenario.rateLimit === true,
      redis: scenario.redis ? summariseRedis(redisSamples.get(scenario), r) : undefined,
      target: 'target' in scenario ? scenario.target : frameworks[scenario.framework].targets[scenario.role],
    };
  });
}

// The cells of THROUGHPUT_COLUMNS for one summary row.
function throughputCells(s) {
  return [
    s.framework,
    s.label,
    s.role,
    fmtInt(s.rps),
    s.role === 'bare' ? '1.00' : s.ratio.toFixed(3),
    String(s.p99),
    s.cpuPerReqUs.toFixed(1),
    s.role === 'bare' ? '–' : `${s.overheadUs >= 0 ? '+' : ''}${s.overheadUs.toFixed(1)}`,
    s.steadyRuns ?? '–',
  ];
}

function printTable(summary) {
  console.log(`Throughput (median of ${config.rounds} interleaved rounds)`);
  console.log(RATIO_NOTE);
  console.log('CPU ratio: likewise, bare server CPU time per request / this server’s (1.00 = no overhead)\n');
  const header = [...THROUGHPUT_COLUMNS, 'CPU ratio', 'req/s per round'];
  const rows = summary.map((s) => [
    ...throughputCells(s),
    s.role === 'bare' ? '1.00' : s.cpuRatio.toFixed(3),
    s.rounds.map(fmtInt).join(' / '),
  ]);
  printMarkdownTable(header, rows);
}

function printTargets(summary) {
  const verdicts = summary
    .filter((s) => s.target != null)
    .map((s) => ({
      framework: s.framework,
      label: s.label,
      ratio: s.ratio,
      target: s.target,
      // null (no verdict) unless most runs were steady: a ratio from the odd quiet run is no evidence.
      pass: s.steadyMajority ? s.ratio >= s.target : null,
      steadyRuns: s.steadyRuns,
    }));
  console.log('\nTargets (throughput ratio vs bare; a miss is reported, not fatal: the machine is noisy;');
  console.log('NOISY: fewer than half of the runs were steady, so no verdict)');
  for (const v of verdicts) {
    const verdict = v.pass === null ? 'NOISY' : v.pass ? 'PASS ' : 'MISS ';
    console.log(
      `  ${verdict} ${v.framework} ${v.label}: ${v.ratio.toFixed(3)} (target ≥ ${v.target.toFixed(2)}; ` +
        `${v.steadyRuns} runs steady)`,
    );
  }
  for (const s of summary.filter((x) => x.role !== 'bare' && x.target == null)) {
    console.log(`  ref   ${s.framework} ${s.label}: ${s.ratio.toFixed(3)}`);
  }
  return verdicts;
}

// ---------------------------------------------------------------------------------------------
// Rate limiting: its table, and Redis commands per request

/** Loads a Redis server with a burst under MONITOR: the commands it sends per request, and those its scripts run. */
async function sampleRedis(scenario, server) {
  const { result, sent, scripted } = await redis.sample(() =>
    autocannon({
      url: server.url,
      headers: server.headers,
      connections: config.connections,
      pipelining: config.pipelining,
      amount: REDIS_SAMPLE_REQUESTS,
    }),
  );
  checkResult(scenario, result, 'MONITOR sample');
  return { requests: result['2xx'], sent, scripted };
}

/** Commands per request of one measured run, from the commandstats readings around it. */
function redisPerRequest(before, after, sample, requests) {
  const { sent, scripted, byName } = splitCommands(before, after, sample);
  const perName = Object.fromEntries(Object.entries(byName).map(([name, n]) => [name, n / requests]));
  const cpuPerReqUs = (after.cpuUs - before.cpuUs) / requests;
  return { sent: sent / requests, scripted: scripted / requests, byName: perName, cpuPerReqUs };
}

function summariseRedis(sample, runs) {
  const perRequest = (counts) => Object.fromEntries([...counts].map(([name, n]) => [name, n / sample.requests]));
  const total = (counts) => [...counts.values()].reduce((a, b) => a + b, 0) / sample.requests;
  const sent = runs.map((x) => x.redis.sent);
  return {
    sample: {
      requests: sample.requests,
      sent: total(sample.sent),
      scripted: total(sample.scripted),
      sentByName: perRequest(sample.sent),
      scriptedByName: perRequest(sample.scripted),
    },
    sent: median(sent),
    sentMin: Math.min(...sent),
    sentMax: Math.max(...sent),
    scripted: median(runs.map((x) => x.redis.scripted)),
    cpuPerReqUs: median(runs.map((x) => x.redis.cpuPerReqUs)),
  };
}

function printRateLimit(summary) {
  const limited = summary.filter((s) => s.rateLimit);
  if (limited.length === 0) return;
  const shown = summary.filter(
    (s) => s.rateLimit || (s.role === 'bare' && limited.some((l) => l.framework === s.framework)),
  );
  const rows = Object.keys(frameworks).flatMap((name) => shown.filter((s) => s.framework === name));
  console.log(`\nRate limiting (median of ${config.rounds} interleaved rounds)`);
  console.log(RATIO_NOTE);
  console.log('Redis cmds/req: commands the server sent to Redis per request (measured runs, median), and commands');
  console.log('its Lua scripts ran there (details below). Redis CPU/req: the Redis server’s CPU time per request');
  console.log('(INFO cpu), on the same CPUs as the server and autocannon.\n');
  const header = [...THROUGHPUT_COLUMNS, 'Redis cmds/req sent', 'in scripts', 'Redis CPU/req (µs)', 'req/s per round'];
  printMarkdownTable(
    header,
    rows.map((s) => [
      ...throughputCells(s),
      s.redis ? s.redis.sent.toFixed(3) : '–',
      s.redis ? s.redis.scripted.toFixed(3) : '–',
      s.redis ? s.redis.cpuPerReqUs.toFixed(1) : '–',
      s.rounds.map(fmtInt).join(' / '),
    ]),
  );
  const withRedis = rows.filter((s) => s.redis);
  if (withRedis.length === 0) return;
  console.log(`\nRedis commands per request (${redis.description})`);
  console.log(
    `  sample: ${fmtInt(REDIS_SAMPLE_REQUESTS)} requests under MONITOR before the rounds, which shows each command's source`,
  );
  console.log(
    '  runs:   INFO commandstats before and after each measured run, split by the sample; min–max over rounds',
  );
  const byName = (counts) =>
    Object.entries(counts)
      .map(([name, n]) => `${name} ${n.toFixed(3)}`)
      .join(', ') || 'none';
  for (const s of withRedis) {
    const r = s.redis;
    console.log(`  ${s.framework} ${s.label}`);
    console.log(
      `    sample: sent ${r.sample.sent.toFixed(3)} (${byName(r.sample.sentByName)}); ` +
        `in scripts ${r.sample.scripted.toFixed(3)} (${byName(r.sample.scriptedByName)})`,
    );
    console.log(
      `    runs:   sent ${r.sentMin.toFixed(3)}–${r.sentMax.toFixed(3)}, in scripts ${r.scripted.toFixed(3)} (median)`,
    );
  }
}

/** keygate's Redis limiter makes one round trip per request: a failure of the run otherwise. */
function checkRedisRoundTrips(summary) {
  const checked = summary.filter((s) => s.role === 'keygate' && s.redis);
  if (checked.length === 0) return;
  console.log(`\nRedis round trips of keygate (must be 1 ± ${REDIS_TOLERANCE} commands sent per request)`);
  for (const s of checked) {
    const { sample, sentMin, sentMax } = s.redis;
    const ok = [sample.sent, sentMin, sentMax].every((x) => Math.abs(x - 1) <= REDIS_TOLERANCE);
    const figures = `sample ${sample.sent.toFixed(3)}, measured runs ${sentMin.toFixed(3)}–${sentMax.toFixed(3)}`;
    if (ok) {
      console.log(`  PASS  ${s.framework} ${s.label}: ${figures}`);
    } else {
      console.error(`  FAIL  ${s.framework} ${s.label}: ${figures}`);
      console.error(`bench: FAILED: ${s.label} does not make exactly one Redis round trip per request`);
      failed = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// In-process verification cost

async function measureVerification() {
  const scrypt = await coldCost('scrypt', scryptHasher(), config.coldIterations, 0);
  // HMAC is ~1000× cheaper: run it for at least 200 ms as well, for a stable figure.
  const hmac = await coldCost('hmac-sha256', hmacSha256Hasher(), config.coldIterations, 200);

  const keygate = createKeygate({ store: new MemoryStore() });
  const { key } = await keygate.keys.create({ name: 'bench', owner: 'bench' });
  if (!(await keygate.verify(key)).ok) throw new Error('warm verify: the key did not verify');
  const warmVerify = await opsPerSecond(async () => {
    if (!(await keygate.verify(key)).ok) throw new Error('warm verify failed');
  });
  const warmPeek = await opsPerSecond(() => {
    if (keygate.peek(key)?.ok !== true) throw new Error('peek missed');
  });
  return { scrypt, hmac, warmVerify, warmPeek };
}

async function coldCost(name, hasher, minIterations, minMs) {
  const keygate = createKeygate({ store: new MemoryStore(), hasher, cache: false });
  const { key } = await keygate.keys.create({ name: 'bench', owner: 'bench' });
  const check = async () => {
    const result = await keygate.verify(key);
    if (!result.ok) throw new Error(`${name}: the key did not verify (${result.reason})`);
  };
  await check(); // first call: module and JIT warm-up, not counted
  const times = [];
  const start = performance.now();
  while (times.length < minIterations || performance.now() - start < minMs) {
    const t = performance.now();
    await check();
    times.push(performance.now() - t);
  }
  return { name, iterations: times.length, meanMs: mean(times), medianMs: median(times) };
}

async function opsPerSecond(fn, ms = 500) {
  for (let i = 0; i < 10_000; i++) await fn(); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
    elapsed = performance.now() - start;
  }
  return n / (elapsed / 1000);
}

function printVerification({ scrypt, hmac, warmVerify, warmPeek }) {
  console.log('\nCost of one verification (in process, sequential, MemoryStore)\n');
  printMarkdownTable(
    ['Verification', 'ms / verification (median)', 'mean', 'iterations'],
    [
      [
        `cold, ${scrypt.name} (scryptHasher() defaults: logN 15, r 8, p 1)`,
        fmtMs(scrypt.medianMs),
        fmtMs(scrypt.meanMs),
        String(scrypt.iterations),
      ],
      [
        `cold, ${hmac.name} (hmacSha256Hasher(), no pepper)`,
        fmtMs(hmac.medianMs),
        fmtMs(hmac.meanMs),
        String(hmac.iterations),
      ],
      ['warm, keygate.verify() (cache hit)', fmtMs(1000 / warmVerify), '–', `${fmtInt(warmVerify)} ops/s`],
      ['warm, keygate.peek() (the adapters’ cache-hit path)', fmtMs(1000 / warmPeek), '–', `${fmtInt(warmPeek)} ops/s`],
    ],
  );
  console.log(`\ncold scrypt / cold hmac: ${fmtInt(scrypt.medianMs / hmac.medianMs)}×`);
  console.log(`cold scrypt / warm verify: ${fmtInt(scrypt.medianMs / (1000 / warmVerify))}×`);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function describeMachine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    date: new Date().toISOString(),
    loadavg: fmtLoad(),
  };
}

function fmtLoad() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

function printMarkdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function fmtMs(ms) {
  return ms >= 1 ? ms.toFixed(1) : ms >= 0.01 ? ms.toFixed(3) : ms.toPrecision(2);
}
