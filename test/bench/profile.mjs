// Where a loaded server's CPU time goes: Linux perf samples the bare, no-op and keygate servers of
// each framework (one at a time, fresh, under load), and the samples of the server's main thread
// are sorted into buckets by the function they fell in (JavaScript frames named through Node's
// --perf-basic-prof). A bucket's share of the main thread is robust to this VM's speed levels,
// which move a run's req/s and CPU per request by 10–40 % but scale every function alike; so
// keygate's own share of a server's time is read here directly, without a baseline run beside it.
// Time a step makes others spend (cache misses it causes in the framework's code) is not
// attributed to it; compare the framework buckets of the setups for that.
//
//   pnpm --filter @keygate/test bench:profile            (packages built; Linux with perf)
//
// Knobs: PROFILE_PASSES (default 3), PROFILE_WARMUP (requests, default 20,000), PROFILE_DURATION
// (sampled seconds, default 8), PROFILE_HZ (samples per second, default 4,000), PROFILE_ONLY
// (express or fastify).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMPARED_SETUPS,
  checkProtected,
  envInt,
  forkServer,
  interleaved,
  loadHello,
  median,
  selectedFrameworks,
  stopChild,
} from './support.mjs';

const PASSES = envInt('PROFILE_PASSES', 3, 1, 20);
const WARMUP = envInt('PROFILE_WARMUP', 20_000, 0, 1_000_000);
const DURATION = envInt('PROFILE_DURATION', 8, 1, 120);
const HZ = envInt('PROFILE_HZ', 4_000, 100, 20_000);
const FRAMEWORKS = selectedFrameworks('PROFILE_ONLY');

// Buckets, first match wins: [label, test on (symbol, object file)].
const BUCKETS = [
  ['keygate code', (sym) => /\/packages\/(?:core|express|fastify|koa)\/|@keygate\//.test(sym)],
  ['WeakMap and ephemerons', (sym) => /Ephemeron|WeakCollection|WeakMap/.test(sym)],
  ['kernel', (_sym, dso) => dso.includes('kernel')],
  [
    'garbage collection',
    (sym) =>
      /Scaveng|MarkCompact|Marking|Sweep|Heap::|Evacuat|GarbageCollect|MemoryChunk|RememberedSet|SlotSet/.test(sym),
  ],
  [
    'property lookups in V8 (IC misses)',
    (sym) =>
      /LookupIterator|StubCache|LoadIC|StoreIC|KeyedLoad|KeyedStore|IC::|Feedback|PrototypeIterator|InitPrototypeChecks|LoadHandler|StoreHandler|DescriptorArray|MigrateToMap|Map::|Transitions|MapUpdater|MakePrototypesFast|FieldIndex|FastPropertyAt|JSObject::|Object::GetProperty/.test(
        sym,
      ),
  ],
  ['framework JavaScript', (sym) => sym.startsWith('JS:') && sym.includes('node_modules')],
  ['Node.js JavaScript', (sym) => sym.startsWith('JS:') && sym.includes('node:')],
  ['other', () => true],
];

function requirePerf() {
  const probe = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'bench:profile needs Linux perf (Debian: apt-get install -y linux-perf; Ubuntu: linux-tools-generic)',
    );
  }
}

/** Samples one fresh server under load; resolves with its samples per bucket (main thread) and its helper threads' share. */
async function profile(framework, setup, dir) {
  const file = COMPARED_SETUPS[framework][setup];
  const name = join(dir, setup.replaceAll(' ', '-'));
  // --perf-basic-prof also turns on V8's log, which would otherwise land in the working directory.
  const flags = ['--perf-basic-prof', `--logfile=${name}.v8.log`, '--no-logfile-per-isolate'];
  const server = await forkServer(file, {}, flags);
  const data = `${name}.data`;
  try {
    await checkProtected(server, setup);
    if (WARMUP > 0) await loadHello(server, framework, { amount: WARMUP });
    const record = ['record', '-q', '-e', 'cpu-clock', '-F', String(HZ), '-p', String(server.child.pid), '-o', data];
    const perf = spawn('perf', record, { stdio: ['ignore', 'ignore', 'pipe'] });
    let perfErrors = '';
    perf.stderr.on('data', (chunk) => {
      perfErrors += chunk;
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // perf attaches to every thread
    const responses = await loadHello(server, framework, { duration: DURATION });
    perf.kill('SIGINT');
    const [code, signal] = await once(perf, 'exit');
    // perf re-raises the SIGINT it stopped on. Failing instead: e.g. perf_event_paranoid above 1
    // refuses to record another process unless root (or CAP_PERFMON).
    if (code !== 0 && signal !== 'SIGINT') throw new Error(`perf record failed (${code}): ${perfErrors.trim()}`);
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'tid,ip,sym,dso'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
    const run = bucketSamples(script.stdout);
    return { ...run, usPerRequest: (run.mainSamples / HZ / responses) * 1e6 };
  } finally {
    await stopChild(server.child);
    rmSync(`/tmp/perf-${server.child.pid}.map`, { force: true });
  }
}

// `perf script` lines: "<tid> <ip> <symbol> (<object file>)". The main thread is the busiest one.
function bucketSamples(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/.exec(line);
    if (match) samples.push({ tid: match[1], sym: match[2], dso: match[3] });
  }
  const perThread = new Map();
  for (const { tid } of samples) perThread.set(tid, (perThread.get(tid) ?? 0) + 1);
  const main = [...perThread].sort((a, b) => b[1] - a[1])[0]?.[0];
  const counts = Object.fromEntries(BUCKETS.map(([label]) => [label, 0]));
  let mainSamples = 0;
  for (const { tid, sym, dso } of samples) {
    if (tid !== main) continue;
    mainSamples++;
    counts[BUCKETS.find(([, test]) => test(sym, dso))[0]]++;
  }
  if (mainSamples === 0) throw new Error('perf recorded no samples of the server');
  const shares = Object.fromEntries(Object.entries(counts).map(([label, n]) => [label, n / mainSamples]));
  return { shares, helpers: 1 - mainSamples / samples.length, mainSamples };
}

const pct = (x) => `${(x * 100).toFixed(2)} %`;

async function main() {
  requirePerf();
  const dir = mkdtempSync(join(tmpdir(), 'keygate-profile-'));
  console.log(
    `profile: ${PASSES} passes, perf cpu-clock at ${HZ} Hz over ${DURATION} s of load per server (after ${WARMUP} requests), ` +
      `shares of the server's main thread, median over passes (${new Date().toISOString()})`,
  );
  try {
    for (const framework of FRAMEWORKS) {
      const setups = Object.keys(COMPARED_SETUPS[framework]);
      const runs = await interleaved(setups, PASSES, async (setup, pass) => {
        const run = await profile(framework, setup, dir);
        console.log(
          `pass ${pass + 1}/${PASSES}  ${framework} ${setup.padEnd(17)} ${run.mainSamples} main-thread samples`,
        );
        return run;
      });
      // One table row: a label, then per setup the median of `figure` over its runs.
      const row = (label, figure, format = pct) =>
        console.log(
          `  ${label.padEnd(36)}${setups.map((s) => format(median(runs[s].map(figure))).padStart(18)).join('')}`,
        );
      console.log(`\n${framework}\n  ${'bucket'.padEnd(36)}${setups.map((s) => s.padStart(18)).join('')}`);
      for (const [label] of BUCKETS) row(label, (r) => r.shares[label]);
      row('(helper threads, of all samples)', (r) => r.helpers);
      row(
        'main thread, µs of CPU per request',
        (r) => r.usPerRequest,
        (x) => x.toFixed(1),
      );
      const own = runs.keygate.map((r) => r.shares['keygate code'] + r.shares['WeakMap and ephemerons']);
      console.log(`  keygate code + WeakMaps, per pass: ${own.map(pct).join(' / ')}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
