import { KeygateError } from '../errors.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';

/**
 * Thrown by {@link KdfLimiter.run} when a hash cannot start in time: a KeygateError `busy` (the
 * only error class keygate throws), its own class so that callers tell it from a hasher's failure.
 * The caller answers "busy" at once.
 */
export class KdfBusyError extends KeygateError {
  constructor(message: string) {
    super('busy', message);
  }
}

/** Bounds of a {@link KdfLimiter}. */
export interface KdfLimits {
  /** Hash computations running at once. */
  readonly maxConcurrent: number;
  /** Hash computations waiting for a slot, all clients together. */
  readonly maxQueue: number;
  /** Hash computations of one client waiting for a slot. */
  readonly maxQueuePerClient: number;
  /** Longest wait for a slot, in ms; a waiter still queued then is refused as busy. */
  readonly maxWaitMs: number;
}

interface Waiter {
  readonly start: () => void;
  readonly refuse: (error: KdfBusyError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

// The queue of work without a client: the application's own, unbounded.
const APPLICATION = Symbol('application');
type Client = string | typeof APPLICATION;

/**
 * Caps concurrent hash computations and shares them fairly between clients (e.g. client IPs):
 * each client waits in its own queue and free slots go to the clients in turn, so a flood from one
 * client delays another by at most one turn. Clients' queues are bounded, each and in all, and
 * their every wait has a deadline: a flood turns into fast "busy" answers for the flooding client,
 * never into unbounded CPU, memory or waiting for the others. Work without a client is the
 * application's own (a script creating keys, say): it takes its turns like a client, but waits
 * without a bound or a deadline.
 */
export class KdfLimiter {
  readonly #limits: KdfLimits;
  // Client → its waiters, oldest first; the map's order is the order clients get their turn.
  readonly #queues = new Map<Client, Waiter[]>();
  // Waiters of clients (the application's not counted).
  #queued = 0;
  #running = 0;
  // Undefined without the `telemetry` option: waits are then not timed.
  readonly #telemetry: KeygateTelemetry | undefined;

  constructor(limits: KdfLimits, telemetry?: KeygateTelemetry) {
    this.#limits = limits;
    this.#telemetry = telemetry;
  }

  /** Hash computations running now. */
  get running(): number {
    return this.#running;
  }

  /** Hash computations of clients waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Runs `task` once a slot is free and it is `client`'s turn; for a client, rejects with
   * KdfBusyError when it cannot start in time. Without a client, the application's own work.
   */
  async run<T>(task: () => Promise<T>, client?: string): Promise<T> {
    if (this.#running < this.#limits.maxConcurrent) {
      this.#running++;
      this.#telemetry?.kdfWait(0);
    } else if (this.#telemetry === undefined) await this.#waitForSlot(client);
    else {
      const since = performance.now();
      await this.#waitForSlot(client);
      this.#telemetry.kdfWait(performance.now() - since);
    }
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #waitForSlot(client: string | undefined): Promise<void> {
    return client === undefined ? this.#waitForApplication() : this.#wait(client);
  }

  #waitForApplication(): Promise<void> {
    return new Promise<void>((start, refuse) => {
      const queue = this.#queues.get(APPLICATION) ?? [];
      queue.push({ start, refuse });
      this.#queues.set(APPLICATION, queue);
    });
  }

  #wait(client: string): Promise<void> {
    const queue = this.#queues.get(client) ?? [];
    if (queue.length >= this.#limits.maxQueuePerClient || !this.#makeRoom(queue.length)) {
      return Promise.reject(busy());
    }
    return new Promise<void>((start, refuse) => {
      const waiter: Waiter = { start, refuse };
      waiter.timer = setTimeout(() => this.#drop(client, waiter), this.#limits.maxWaitMs);
      waiter.timer.unref?.();
      queue.push(waiter);
      this.#queues.set(client, queue);
      this.#queued++;
    });
  }

  // With the queue full, a client whose queue is shorter than the longest takes the place of that
  // queue's newest waiter: a flood can fill the queue, never keep other clients out of it.
  #makeRoom(ownLength: number): boolean {
    if (this.#queued < this.#limits.maxQueue) return true;
    let longest: [string, Waiter[]] | undefined;
    for (const entry of this.#queues) {
      if (entry[0] !== APPLICATION && (longest === undefined || entry[1].length > longest[1].length)) {
        longest = entry as [string, Waiter[]];
      }
    }
    if (longest === undefined || longest[1].length <= ownLength + 1) return false;
    this.#drop(longest[0], longest[1][longest[1].length - 1] as Waiter);
    return true;
  }

  #drop(client: Client, waiter: Waiter): void {
    const queue = this.#queues.get(client);
    const at = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || at === -1) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.#queues.delete(client);
    this.#queued--;
    clearTimeout(waiter.timer);
    waiter.refuse(busy());
  }

  // Hands the slot to the next client in turn (then at the back of the turn order), or frees it.
  #release(): void {
    const next = this.#queues.entries().next();
    if (next.done) {
      this.#running--;
      return;
    }
    const [client, queue] = next.value;
    const waiter = queue.shift() as Waiter;
    this.#queues.delete(client);
    if (queue.length > 0) this.#queues.set(client, queue);
    if (client !== APPLICATION) this.#queued--;
    clearTimeout(waiter.timer);
    waiter.start();
  }
}

function busy(): KdfBusyError {
  return new KdfBusyError('Too many key verifications in progress.');
}
