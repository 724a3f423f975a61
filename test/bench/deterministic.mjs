// The deterministic benchmark (`pnpm bench`): instructions per request under valgrind's callgrind,
// for every setup of support.mjs (bare, floors, keygate, peers; Express, Koa, Fastify), as a ratio
// to the bare app of the same framework in the same run, with PASS/MISS per target of issue 18.
//
//   pnpm bench                   (repository root: builds the packages, then runs this)
//   pnpm bench:quick             (BENCH_QUICK=1: one pass, fewer requests, only the judged setups)
//   node bench/deterministic.mjs (from test/, packages built)
//
// Needs valgrind (callgrind_control) and redis-server. Each measurement starts a fresh server under
// callgrind with counting off; after a warm-up, counting is switched on in the server and in Redis
// together for a window of requests. The server's profile gives its raw count and the inclusive cost
// of V8's compile and deopt runtime entries, which the steady figure subtracts. Passes are
// interleaved (the order rotates each pass) and each pass is compared with bare of the same pass.
// Knobs: BENCH_PASSES (default 3; quick 1), BENCH_WARMUP (requests, 10,000), BENCH_REQUESTS (counted
// per server: 3,000; quick 1,000), BENCH_FLOOD_REQUESTS, BENCH_ONLY (see support.mjs), BENCH_JSON
// (a path: also write the raw results there).
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  checkServer,
  envInt,
  fmtInt,
  fmtRange,
  fmtRatio,
  load,
  median,
  printMachine,
  printTable,
  QUICK,
  SETUPS,
  selectSetups,
  splitCommands,
  startRedis,
  startServer,
  stopServer,
} from './support.mjs';

const config = Object.freeze({
  passes: envInt('BENCH_PASSES', QUICK ? 1 : 3, 1, 20),
  warmup: envInt('BENCH_WARMUP', 10_000, 1_000, 1_000_000),
  requests: envInt('BENCH_REQUESTS', QUICK ? 1_000 : 3_000, 100, 1_000_000),
  floodRequests: envInt('BENCH_FLOOD_REQUESTS', QUICK ? 500 : 1_000, 100, 1_000_000),
});
// --predictable implies --single-threaded and also turns off V8's memory reducer, whose timers
// would fire many times more often per request under valgrind's slowdown; it was checked not to
// move the bare servers' steady counts beyond pass-to-pass noise (docs/benchmarks.md).
const NODE_FLAGS = ['--single-threaded', '--predictable'];
const MONITOR_REQUESTS = 500; // the first warm-up requests of a Redis setup, under MONITOR

// V8's compile and deopt entries: their inclusive cost is not the steady state, which is subtracted.
const COMPILE_ENTRY = new RegExp(
  '^v8::internal::(?:Runtime_(?:CompileOptimized\\w*|CompileLazy|CompileBaseline|InstallBaselineCode|' +
    'HealOptimizedCodeSlot|NotifyDeoptimized|DeoptimizeNow|DeoptimizeFunction)|Deoptimizer::(?:New|ComputeOutputFrames)|' +
    'baseline::BaselineBatchCompiler::CompileBatch)\\(',
);

const MAJOR_GC = /^v8::internal::Heap::MarkCompact\(/;

/**
 * The targets: `min` on the steady ratio to bare (with `withRedis`: bare / (server + Redis)), or
 * `max` Redis commands sent per refused request in a flood. Peers: the same framework and group.
 */
const TARGETS = [
  { name: 'Fastify, auth only', keygate: 'fastify-keygate', min: 0.97 },
  { name: 'Express, auth only', keygate: 'express-keygate', min: 0.98 },
  { name: 'Koa, auth only', keygate: 'koa-keygate', min: 0.97 },
  { name: 'Fastify, auth + in-memory limit', keygate: 'fastify-keygate-rl-memory', min: 0.93 },
  { name: 'Express, auth + in-memory limit', keygate: 'express-keygate-rl-memory' },
  { name: 'Koa, auth + in-memory limit', keygate: 'koa-keygate-rl-memory' },
  {
    name: 'Fastify, auth + Redis limit, server + Redis',
    keygate: 'fastify-keygate-rl-redis',
    withRedis: true,
    min: 0.55,
  },
  {
    name: 'Express, auth + Redis limit, server + Redis',
    keygate: 'express-keygate-rl-redis',
    withRedis: true,
    min: 0.85,
  },
  { name: 'Koa, auth + Redis limit, server + Redis', keygate: 'koa-keygate-rl-redis', withRedis: true },
  { name: 'Fastify flood: Redis commands per refused request', keygate: 'fastify-keygate-rl-redis-flood', max: 0.01 },
  { name: 'Express flood: Redis commands per refused request', keygate: 'express-keygate-rl-redis-flood', max: 0.01 },
];

// ---------------------------------------------------------------------------------------------
// Callgrind

function requireTools() {
  for (const tool of ['valgrind', 'callgrind_control', 'redis-server']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) throw new Error(`the deterministic benchmark needs ${tool} on the PATH`);
  }
}

/** valgrind's command line for one process: callgrind, counting off until switched on. */
const callgrindWrapper = (dir, name) => [
  'valgrind',
  '--tool=callgrind',
  '--instr-atstart=no',
  `--callgrind-out-file=${join(dir, `${name}.%p.out`)}`,
];

const callgrindControl = (option, pids) =>
  execFileSync('callgrind_control', [option, ...pids.map(String)], { stdio: 'ignore' });

/** Dumps the counts of a running process since its last dump (callgrind zeroes them) and returns its total. */
async function dumpTotal(dir, pid, dumpNumber) {
  callgrindControl('--dump', [pid]);
  const file = join(dir, `redis.${pid}.out.${dumpNumber}`);
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (existsSync(file)) {
      const total = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
      if (total) return Number(total[1]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callgrind did not write ${file}`);
}

/**
 * Reads a callgrind profile: its total; the cost of calls into compile/deopt entries from functions
 * that are not such entries themselves (so nested entries are not counted twice), by entry; and how
 * many major garbage collections (Heap::MarkCompact) ran.
 */
async function readProfile(file) {
  const kinds = new Map(); // function id → 'entry' (compile/deopt), 'major-gc' or undefined
  const names = new Map();
  let caller;
  let callee;
  let callCostNext = false;
  const profile = { total: 0, compile: new Map(), majorGCs: 0 };
  const idOf = (spec) => {
    const [, id, name] = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (name !== undefined) {
      names.set(id, name.split('(')[0].replace('v8::internal::', ''));
      kinds.set(id, COMPILE_ENTRY.test(name) ? 'entry' : MAJOR_GC.test(name) ? 'major-gc' : undefined);
    }
    return id;
  };
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (callCostNext) {
      callCostNext = false;
      if (kinds.get(callee) === 'entry' && kinds.get(caller) !== 'entry') {
        const name = names.get(callee);
        profile.compile.set(name, (profile.compile.get(name) ?? 0) + Number(line.split(' ')[1] ?? 0));
      }
    } else if (line.startsWith('fn=')) caller = idOf(line.slice(3));
    else if (line.startsWith('cfn=')) callee = idOf(line.slice(4));
    else if (line.startsWith('calls=')) {
      callCostNext = true;
      if (kinds.get(callee) === 'major-gc') profile.majorGCs += Number(line.slice(6).split(' ')[0]);
    } else if (line.startsWith('totals:')) profile.total = Number(line.slice(7));
  }
  return profile;
}

// ---------------------------------------------------------------------------------------------
// One measurement: a fresh server, warm-up, one counted window

async function measure(setup, context) {
  const { dir, redis } = context;
  // Redis answers tens of times slower under valgrind: keygate's Redis timeout is raised to 30 s.
  const env = setup.redis
    ? { REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix(setup.id), BENCH_REDIS_TIMEOUT_MS: '30000' }
    : {};
  const server = await startServer(setup, { env, wrapper: callgrindWrapper(dir, 'node'), nodeFlags: NODE_FLAGS });
  let window;
  try {
    await checkServer(server);
    const sample = await warmUp(server, setup.redis && redis);
    window = await countedWindow(server, setup.redis && context, sample);
  } finally {
    await stopServer(server);
  }
  const file = join(dir, `node.${server.pid}.out`);
  const profile = await readProfile(file);
  rmSync(file, { force: true });
  return perRequest(setup, window, profile);
}

/**
 * Warm-up requests, in two loads: the first time a load's connections close deoptimizes functions
 * of the request path, which V8 then compiles again; after a second load the window is steady.
 * For a Redis setup, a first short load runs under MONITOR (which command names scripts run).
 */
async function warmUp(server, redis) {
  let amount = config.warmup;
  let sample;
  if (redis) {
    const { sent, scripted } = await redis.sample(() => load(server, { amount: MONITOR_REQUESTS }));
    sample = { sent, scripted };
    amount -= MONITOR_REQUESTS;
  }
  const first = Math.ceil((amount * 2) / 3);
  await load(server, { amount: first });
  await load(server, { amount: amount - first });
  return sample;
}

/** Counting on in the server (and Redis) for one load, then off; Redis's count and commands of the window. */
async function countedWindow(server, context, sample) {
  const redis = context?.redis;
  const pids = redis ? [server.pid, redis.pid] : [server.pid];
  const amount = server.setup.group === 'flood' ? config.floodRequests : config.requests;
  const before = await redis?.commandCounts();
  callgrindControl('--instr=on', pids);
  const { ok, refused } = await load(server, { amount });
  callgrindControl('--instr=off', pids);
  if (!redis) return { ok, refused };
  const after = await redis.commandCounts();
  const redisTotal = await dumpTotal(context.dir, redis.pid, ++context.redisDumps);
  return { ok, refused, redisTotal, commands: splitCommands(before, after, sample) };
}

function perRequest(setup, window, profile) {
  const n = setup.group === 'flood' ? window.refused : window.ok;
  if (n === 0) throw new Error(`${setup.id}: no ${setup.group === 'flood' ? 'refused' : 'successful'} request counted`);
  const compile = [...profile.compile.values()].reduce((a, b) => a + b, 0);
  return {
    requests: n,
    raw: profile.total / n,
    compile: compile / n,
    steady: (profile.total - compile) / n,
    compileByEntry: Object.fromEntries(profile.compile),
    majorGCs: profile.majorGCs,
    redis: window.redisTotal === undefined ? undefined : window.redisTotal / n,
    sent: window.commands && window.commands.sent / n,
    scripted: window.commands && window.commands.scripted / n,
  };
}

// ---------------------------------------------------------------------------------------------
// The run: interleaved passes, one server at a time

/**
 * The setups to measure: BENCH_ONLY's (support.mjs); in quick mode only those the targets are
 * judged on (bare, the Map-lookup floors, keygate and its peers in each row with a target).
 */
function chosenSetups() {
  const setups = selectSetups();
  if (!QUICK) return setups;
  const judged = TARGETS.filter((t) => t.min !== undefined || t.max !== undefined).map((t) =>
    SETUPS.find((s) => s.id === t.keygate),
  );
  const needed = (s) =>
    s.role === 'bare' ||
    s.id.includes('-map-') ||
    judged.some((k) => k.id === s.id || (s.role === 'peer' && s.framework === k.framework && s.group === k.group));
  return setups.filter(needed);
}

async function runPasses(setups, context) {
  const results = new Map(setups.map((s) => [s.id, []]));
  const total = config.passes * setups.length;
  for (let pass = 0; pass < config.passes; pass++) {
    for (let i = 0; i < setups.length; i++) {
      const setup = setups[(i + pass) % setups.length];
      const started = Date.now();
      const result = await measure(setup, context);
      results.get(setup.id)[pass] = result;
      console.log(progressLine(setup, pass, result, pass * setups.length + i + 1, total, started));
    }
  }
  return results;
}

function progressLine(setup, pass, r, done, total, started) {
  const redis = r.redis === undefined ? '' : `  Redis ${fmtInt(r.redis)} instr, ${r.sent.toFixed(3)} cmds sent`;
  return (
    `[${done}/${total}] pass ${pass + 1}  ${setup.id.padEnd(32)} raw ${fmtInt(r.raw).padStart(9)}  ` +
    `steady ${fmtInt(r.steady).padStart(9)}  (compile ${fmtInt(r.compile)}, major GCs ${r.majorGCs})${redis}  ` +
    `${Math.round((Date.now() - started) / 1000)} s`
  );
}

// ---------------------------------------------------------------------------------------------
// Report

/** Per pass, bare's count over the setup's (steady; raw; server + Redis when it uses Redis). */
function ratios(results, setup) {
  const bare = results.get(SETUPS.find((s) => s.framework === setup.framework && s.role === 'bare').id);
  const own = results.get(setup.id);
  return {
    steady: own.map((r, p) => bare[p].steady / r.steady),
    raw: own.map((r, p) => bare[p].raw / r.raw),
    withRedis: own.map((r, p) => bare[p].steady / (r.steady + (r.redis ?? 0))),
    added: own.map((r, p) => r.steady - bare[p].steady),
  };
}

const figure = (results, id, field) => median(results.get(id).map((r) => r[field]));

function printFramework(framework, setups, results) {
  const rows = setups
    .filter((s) => s.framework === framework && s.group !== 'flood')
    .map((s) => {
      const r = ratios(results, s);
      const redis = s.redis
        ? [
            fmtInt(figure(results, s.id, 'redis')),
            fmtRatio(median(r.withRedis)),
            `${figure(results, s.id, 'sent').toFixed(2)} + ${figure(results, s.id, 'scripted').toFixed(2)}`,
          ]
        : ['–', '–', '–'];
      return [
        s.label,
        fmtInt(figure(results, s.id, 'raw')),
        fmtInt(figure(results, s.id, 'compile')),
        fmtInt(figure(results, s.id, 'steady')),
        fmtRatio(median(r.steady)),
        fmtRange(r.steady),
        fmtRatio(median(r.raw)),
        results
          .get(s.id)
          .map((x) => x.majorGCs)
          .join('/'),
        ...redis,
      ];
    });
  if (rows.length === 0) return;
  console.log(`\n${framework}: instructions per request (median over passes)\n`);
  const header = ['setup', 'raw', 'compile', 'steady', 'vs bare', 'passes', 'raw vs bare', 'major GCs'];
  printTable([...header, 'Redis instr', 'server + Redis vs bare', 'Redis cmds (sent + scripts)'], rows);
}

function printFlood(setups, results) {
  const rows = setups
    .filter((s) => s.group === 'flood')
    .map((s) => [
      `${s.framework} ${s.label}`,
      fmtInt(median(results.get(s.id).map((r) => r.requests))),
      fmtRange(
        results.get(s.id).map((r) => r.sent),
        (x) => x.toFixed(3),
      ),
      figure(results, s.id, 'scripted').toFixed(2),
      fmtInt(figure(results, s.id, 'steady')),
      fmtInt(figure(results, s.id, 'redis')),
    ]);
  if (rows.length === 0) return;
  console.log('\nFlood over the limit (5 requests per hour): per refused request, median over passes\n');
  printTable(['setup', 'refused', 'Redis cmds sent', 'in scripts', 'server steady instr', 'Redis instr'], rows);
}

/** One row of the target table: keygate now, the best peer of the same run, the target, the spread, a verdict. */
function targetRow(target, setups, results) {
  const keygate = setups.find((s) => s.id === target.keygate);
  if (!keygate) return undefined;
  const peers = setups.filter(
    (s) => s.framework === keygate.framework && s.group === keygate.group && s.role === 'peer',
  );
  if (target.max !== undefined) return floodRow(target, keygate, peers, results);
  const ratioOf = (s) => ratios(results, s)[target.withRedis ? 'withRedis' : 'steady'];
  const describe = (s) => {
    const ratio = fmtRatio(median(ratioOf(s)));
    if (target.withRedis) return `${ratio} (Redis ${(figure(results, s.id, 'redis') / 1000).toFixed(1)}k instr/req)`;
    const added = median(ratios(results, s).added);
    return `${ratio} (${added >= 0 ? '+' : ''}${(added / 1000).toFixed(1)}k instr/req)`;
  };
  const best = peers.sort((a, b) => median(ratioOf(b)) - median(ratioOf(a)))[0];
  const floor = setups.find((s) => s.framework === keygate.framework && s.id.includes('map-'));
  const peer = best
    ? `${best.label} ${describe(best)}`
    : `no peer${floor && keygate.group === 'auth' ? ` (Map-lookup middleware ${describe(floor)})` : ''}`;
  const value = median(ratioOf(keygate));
  const verdict = target.min === undefined ? '–' : value >= target.min ? 'PASS' : 'MISS';
  const goal = target.min === undefined ? '–' : `≥ ${target.min.toFixed(2)}`;
  return [target.name, describe(keygate), peer, goal, fmtRange(ratioOf(keygate)), verdict];
}

function floodRow(target, keygate, peers, results) {
  const sent = (s) => figure(results, s.id, 'sent');
  const best = peers.sort((a, b) => sent(a) - sent(b))[0];
  const verdict = sent(keygate) <= target.max ? 'PASS' : 'MISS';
  const peer = best ? `${best.label} ${sent(best).toFixed(3)}` : '–';
  const spread = fmtRange(
    results.get(keygate.id).map((r) => r.sent),
    (x) => x.toFixed(3),
  );
  return [target.name, sent(keygate).toFixed(3), peer, `≤ ${target.max}`, spread, verdict];
}

function printTargets(setups, results) {
  const rows = TARGETS.map((t) => targetRow(t, setups, results)).filter(Boolean);
  console.log('\nTargets (steady figures; "passes": keygate min–max over passes)\n');
  printTable(['setup', 'keygate now', 'best peer in the same run', 'target', 'passes', ''], rows);
}

function printCompileEntries(results) {
  const byEntry = new Map();
  for (const runs of results.values()) {
    for (const run of runs) {
      for (const [name, cost] of Object.entries(run.compileByEntry)) byEntry.set(name, (byEntry.get(name) ?? 0) + cost);
    }
  }
  const all = [...byEntry.values()].reduce((a, b) => a + b, 0);
  const shares = [...byEntry]
    .sort((a, b) => b[1] - a[1])
    .map(([name, cost]) => `${name} ${((100 * cost) / all).toFixed(1)} %`);
  console.log(`\nCompile/deopt instructions subtracted, by entry (all runs): ${shares.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const machine = printMachine('keygate deterministic benchmark: instructions per request under callgrind');
  console.log(
    `${config.passes} interleaved passes; ${fmtInt(config.requests)} counted requests per server after ` +
      `${fmtInt(config.warmup)} (flood: ${fmtInt(config.floodRequests)} refused); 10 connections; ` +
      `node ${NODE_FLAGS.join(' ')}, NODE_ENV=production${QUICK ? '; quick mode: the judged setups only' : ''}\n`,
  );
  requireTools();
  const setups = chosenSetups();
  const dir = mkdtempSync(join(tmpdir(), 'keygate-callgrind-'));
  const context = { dir, redisDumps: 0, redis: undefined };
  try {
    if (setups.some((s) => s.redis)) {
      // hz 1: Redis's timer work runs by wall time, which valgrind stretches; at the default 10 per
      // second it would be counted as a share of each request.
      const wrapper = callgrindWrapper(dir, 'redis');
      context.redis = await startRedis({ wrapper, args: ['--hz', '1'], allowUrl: false });
      console.log(`redis: ${context.redis.description}, under callgrind, hz 1\n`);
    }
    const results = await runPasses(setups, context);
    for (const framework of ['fastify', 'express', 'koa']) printFramework(framework, setups, results);
    printFlood(setups, results);
    printTargets(setups, results);
    printCompileEntries(results);
    const minutes = (Date.now() - started) / 60_000;
    console.log(`\nwall time: ${Math.floor(minutes)} min ${Math.round((minutes % 1) * 60)} s`);
    if (process.env.BENCH_JSON) {
      const raw = { machine, config, nodeFlags: NODE_FLAGS, results: Object.fromEntries(results) };
      writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(raw, null, 2)}\n`);
    }
  } finally {
    await context.redis?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\nbench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exit(1);
  },
);
