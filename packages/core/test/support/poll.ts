// Waiting for something that happens elsewhere (another connection, process or server) without
// guessing how long it takes: check, and check again, until it holds or a generous deadline passes.
// On a fast machine it returns at the first check that holds; on a busy one it simply checks longer.

/** Checks `probe` every `everyMs` until it gives a value (not undefined) and returns that value; fails naming `what` after `timeoutMs`. */
export async function pollFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Checks `condition` until it holds (see {@link pollFor}). */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options?: { timeoutMs?: number; everyMs?: number },
): Promise<void> {
  await pollFor(what, async () => ((await condition()) ? true : undefined), options);
}
