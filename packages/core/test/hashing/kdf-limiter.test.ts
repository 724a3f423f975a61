import { describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { KdfBusyError, KdfLimiter, type KdfLimits } from '../../src/hashing/kdf-limiter.js';
import { flush, gate } from '../support/helpers.js';

/** Tasks that wait for a shared gate, counting how many run at once. */
function blockingTasks() {
  const g = gate();
  const stats = { active: 0, peak: 0, started: [] as number[] };
  const task = (n: number) => async () => {
    stats.active++;
    stats.peak = Math.max(stats.peak, stats.active);
    stats.started.push(n);
    try {
      await g.opened;
      return n;
    } finally {
      stats.active--;
    }
  };
  return { task, stats, open: g.open };
}

/** A limiter of `maxConcurrent` slots and a queue of `maxQueue`, per client too, waits of up to 10 s. */
function limiterOf(maxConcurrent: number, maxQueue: number, more: Partial<KdfLimits> = {}): KdfLimiter {
  return new KdfLimiter({ maxConcurrent, maxQueue, maxQueuePerClient: maxQueue, maxWaitMs: 10_000, ...more });
}

describe('KdfLimiter', () => {
  it('runs at most maxConcurrent tasks at once', async () => {
    const limiter = limiterOf(3, 100);
    const { task, stats, open } = blockingTasks();
    const results = Promise.all(Array.from({ length: 20 }, (_, n) => limiter.run(task(n), 'c')));
    await flush();
    expect(stats.active).toBe(3);
    expect(limiter.running).toBe(3);
    expect(limiter.queued).toBe(17);
    open();
    expect(await results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(stats.peak).toBe(3);
  });

  it('starts queued tasks in arrival order', async () => {
    const limiter = limiterOf(1, 10);
    const { task, stats, open } = blockingTasks();
    const all = Promise.all([0, 1, 2, 3].map((n) => limiter.run(task(n), 'c')));
    open();
    await all;
    expect(stats.started).toEqual([0, 1, 2, 3]);
  });

  it('refuses with a KeygateError of code busy, the only error class keygate throws', async () => {
    const limiter = limiterOf(1, 0);
    const { task, open } = blockingTasks();
    const running = limiter.run(task(1), 'a');
    const refused = await limiter.run(task(2), 'b').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KeygateError);
    expect(refused).toMatchObject({ code: 'busy' });
    open();
    await running;
  });

  it('answers KdfBusyError at once when the queue is full, without running the task', async () => {
    const limiter = limiterOf(2, 3);
    const { task, stats, open } = blockingTasks();
    const accepted = Array.from({ length: 5 }, (_, n) => limiter.run(task(n), 'c'));
    let ran = false;
    await expect(
      limiter.run(async () => {
        ran = true;
      }, 'c'),
    ).rejects.toBeInstanceOf(KdfBusyError);
    expect(ran).toBe(false);
    expect(limiter.queued).toBe(3);
    open();
    await Promise.all(accepted);
    expect(stats.peak).toBe(2);
  });

  it('refuses any wait when maxQueue is 0', async () => {
    const limiter = limiterOf(1, 0);
    const { task, open } = blockingTasks();
    const first = limiter.run(task(0), 'c');
    await expect(limiter.run(task(1), 'c')).rejects.toBeInstanceOf(KdfBusyError);
    open();
    await first;
  });

  it('releases slots after tasks fail', async () => {
    const limiter = limiterOf(2, 10);
    const failures = Array.from({ length: 6 }, () =>
      limiter.run(async () => {
        throw new Error('boom');
      }),
    );
    const settled = await Promise.allSettled(failures);
    expect(settled.every((r) => r.status === 'rejected')).toBe(true);
    expect(limiter.running).toBe(0);
    expect(limiter.queued).toBe(0);
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('releases a slot when a task throws synchronously', async () => {
    const limiter = limiterOf(1, 0);
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(limiter.running).toBe(0);
    await expect(limiter.run(async () => 1)).resolves.toBe(1);
  });

  it('gives free slots to clients in turn, so a flood delays another client by one turn at most', async () => {
    const limiter = limiterOf(1, 100);
    const { task, stats, open } = blockingTasks();
    const flood = Array.from({ length: 10 }, (_, n) => limiter.run(task(n), 'flood'));
    const other = limiter.run(task(100), 'other');
    open();
    await Promise.all([...flood, other]);
    expect(stats.started.indexOf(100)).toBe(2);
  });

  it('refuses a client over its own queue bound without refusing another client', async () => {
    const limiter = limiterOf(1, 100, { maxQueuePerClient: 2 });
    const { task, open } = blockingTasks();
    const flood = [0, 1, 2].map((n) => limiter.run(task(n), 'flood'));
    await expect(limiter.run(task(3), 'flood')).rejects.toBeInstanceOf(KdfBusyError);
    const other = limiter.run(task(4), 'other');
    open();
    await expect(other).resolves.toBe(4);
    await Promise.all(flood);
  });

  it('makes room in a full queue for a new client by refusing the newest waiter of the longest queue', async () => {
    const limiter = limiterOf(1, 3);
    const { task, open } = blockingTasks();
    const running = limiter.run(task(0), 'flood');
    const waiting = [1, 2, 3].map((n) => limiter.run(task(n), 'flood'));
    const other = limiter.run(task(9), 'other');
    await expect(waiting[2]).rejects.toBeInstanceOf(KdfBusyError);
    open();
    await expect(other).resolves.toBe(9);
    await Promise.all([running, waiting[0], waiting[1]]);
  });

  it('lets work without a client (the application’s own) wait without bound or deadline, in its turn', async () => {
    vi.useFakeTimers();
    try {
      const limiter = limiterOf(1, 0, { maxWaitMs: 500 });
      const { task, stats, open } = blockingTasks();
      const mine = Array.from({ length: 5 }, (_, n) => limiter.run(task(n)));
      const theirs = limiter.run(task(9), 'c');
      await expect(theirs).rejects.toBeInstanceOf(KdfBusyError);
      await vi.advanceTimersByTimeAsync(5000);
      open();
      expect(await Promise.all(mine)).toEqual([0, 1, 2, 3, 4]);
      expect(stats.peak).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a waiter still queued after maxWaitMs', async () => {
    vi.useFakeTimers();
    try {
      const limiter = limiterOf(1, 10, { maxWaitMs: 500 });
      const { task, open } = blockingTasks();
      const running = limiter.run(task(0), 'c');
      const waiting = limiter.run(task(1), 'c');
      const refused = expect(waiting).rejects.toBeInstanceOf(KdfBusyError);
      await vi.advanceTimersByTimeAsync(500);
      await refused;
      expect(limiter.queued).toBe(0);
      open();
      await running;
    } finally {
      vi.useRealTimers();
    }
  });
});
