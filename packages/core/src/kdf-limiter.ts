/** Thrown by {@link KdfLimiter.run} when the queue is full: the caller answers "busy" at once. */
export class KdfBusyError extends Error {
  override readonly name = 'KdfBusyError';
}

/**
 * Caps concurrent hash computations and the queue of those waiting, so a flood of uncached keys
 * turns into fast "busy" answers instead of unbounded CPU and memory.
 */
export class KdfLimiter {
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #queue: Array<() => void> = [];
  #running = 0;

  constructor(maxConcurrent: number, maxQueue: number) {
    this.#maxConcurrent = maxConcurrent;
    this.#maxQueue = maxQueue;
  }

  /** Hash computations running now. */
  get running(): number {
    return this.#running;
  }

  /** Hash computations waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#maxConcurrent) {
      if (this.#queue.length >= this.#maxQueue) throw new KdfBusyError('Too many key verifications in progress.');
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      // Hand the slot straight to the next waiter; only release it when nobody waits.
      if (next) next();
      else this.#running--;
    }
  }
}
