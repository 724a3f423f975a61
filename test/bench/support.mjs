// Helpers shared by the benchmark runners (run.mjs, in-situ.mjs, redis.mjs).

/** The header each framework's servers get the key in: the one its peer library reads. */
export const KEY_HEADERS = {
  fastify: (key) => ({ authorization: `Bearer ${key}` }),
  express: (key) => ({ 'x-api-key': key }),
};

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sends `message` to a server child over IPC and resolves with `field` of its first reply that has it. */
export function askChild(child, message, field, ms = 5_000) {
  const reply = new Promise((resolve) => {
    const onMessage = (answer) => {
      if (answer?.[field] === undefined) return;
      child.off('message', onMessage);
      resolve(answer[field]);
    };
    child.on('message', onMessage);
  });
  child.send(message);
  return withTimeout(reply, ms, `a server did not answer '${message}'`);
}

/** A server child's user + system CPU time so far, in µs (see servers/common.mjs). */
export async function cpuTime(child) {
  const cpu = await askChild(child, 'cpu', 'cpu');
  return cpu.user + cpu.system;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
