// The cost of keygate's auth step measured inside a loaded server (`servers/in-situ.mjs`), next to
// a no-op step and to the two timestamps alone, with the server's CPU time per request for scale.
// Complements run.mjs: throughput ratios carry the machine's noise (a few percent), while this
// isolates the step itself, in nanoseconds, in the setting where it runs.
// Knobs: IN_SITU_ROUNDS (default 3), IN_SITU_REQUESTS (measured, default 20000), IN_SITU_ONLY
// (express or fastify).
import { askChild, cpuTime, envInt, forkServer, loadHello, median, selectedFrameworks, stopChild } from './support.mjs';

const ROUNDS = envInt('IN_SITU_ROUNDS', 3, 1, 20);
const REQUESTS = envInt('IN_SITU_REQUESTS', 20000, 1, 10_000_000);
const WARMUP = 5000;
const FRAMEWORKS = selectedFrameworks('IN_SITU_ONLY');
const STEPS = ['none', 'noop', 'keygate'];

async function measure(framework, step) {
  const server = await forkServer('in-situ.mjs', { IN_SITU_FRAMEWORK: framework, IN_SITU_STEP: step });
  try {
    await loadHello(server, framework, { amount: WARMUP });
    await askChild(server.child, 'samples', 'samples');
    const cpuBefore = await cpuTime(server.child);
    const responses = await loadHello(server, framework, { amount: REQUESTS });
    const cpu = (await cpuTime(server.child)) - cpuBefore;
    const timed = await askChild(server.child, 'samples', 'samples');
    return { ...timed, cpuPerRequestNs: (cpu * 1000) / responses };
  } finally {
    await stopChild(server.child);
  }
}

console.log(`in-situ: ${ROUNDS} rounds, ${REQUESTS} measured requests per server (after ${WARMUP}), 10 connections`);
for (const framework of FRAMEWORKS) {
  const runs = Object.fromEntries(STEPS.map((step) => [step, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = STEPS.map((_, i) => STEPS[(i + round) % STEPS.length]);
    for (const step of order) runs[step].push(await measure(framework, step));
  }
  const figure = (step, field) => median(runs[step].map((run) => run[field]));
  const cpu = figure('none', 'cpuPerRequestNs');
  const µs = (ns) => `${(ns / 1000).toFixed(2)} µs`;
  console.log(`\n${framework}: server CPU per request ${µs(cpu)} (timestamps only)`);
  for (const step of STEPS) {
    const p50 = figure(step, 'p50');
    const cost = p50 - figure('none', 'p50');
    const net = step === 'none' ? '' : `  step ${µs(cost)} = ${((100 * cost) / cpu).toFixed(2)} % of a request`;
    const perRound = runs[step].map((run) => µs(run.p50)).join(' / ');
    console.log(
      `  ${step.padEnd(8)} p50 ${µs(p50)}  mean ${µs(figure(step, 'mean'))}${net}   (p50 per round: ${perRound})`,
    );
  }
}
