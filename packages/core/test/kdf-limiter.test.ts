import { describe, expect, it } from 'vitest';
import { KdfBusyError, KdfLimiter } from '../src/kdf-limiter.js';
import { flush, gate } from './helpers.js';

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

describe('KdfLimiter', () => {
  it('runs at most maxConcurrent tasks at once', async () => {
    const limiter = new KdfLimiter(3, 100);
    const { task, stats, open } = blockingTasks();
    const results = Promise.all(Array.from({ length: 20 }, (_, n) => limiter.run(task(n))));
    await flush();
    expect(stats.active).toBe(3);
    expect(limiter.running).toBe(3);
    expect(limiter.queued).toBe(17);
    open();
    expect(await results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(stats.peak).toBe(3);
  });

  it('starts queued tasks in arrival order', async () => {
    const limiter = new KdfLimiter(1, 10);
    const { task, stats, open } = blockingTasks();
    const all = Promise.all([0, 1, 2, 3].map((n) => limiter.run(task(n))));
    open();
    await all;
    expect(stats.started).toEqual([0, 1, 2, 3]);
  });

  it('answers KdfBusyError at once when the queue is full, without running the task', async () => {
    const limiter = new KdfLimiter(2, 3);
    const { task, stats, open } = blockingTasks();
    const accepted = Array.from({ length: 5 }, (_, n) => limiter.run(task(n)));
    let ran = false;
    await expect(
      limiter.run(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(KdfBusyError);
    expect(ran).toBe(false);
    expect(limiter.queued).toBe(3);
    open();
    await Promise.all(accepted);
    expect(stats.peak).toBe(2);
  });

  it('refuses any wait when maxQueue is 0', async () => {
    const limiter = new KdfLimiter(1, 0);
    const { task, open } = blockingTasks();
    const first = limiter.run(task(0));
    await expect(limiter.run(task(1))).rejects.toBeInstanceOf(KdfBusyError);
    open();
    await first;
  });

  it('releases slots after tasks fail', async () => {
    const limiter = new KdfLimiter(2, 10);
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
    const limiter = new KdfLimiter(1, 0);
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(limiter.running).toBe(0);
    await expect(limiter.run(async () => 1)).resolves.toBe(1);
  });
});
