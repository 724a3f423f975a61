import { describe, expect, it } from 'vitest';
import { AuditQueue, type AuditQueueLimits } from '../../src/audit/queue.js';
import type { AuditEvent } from '../../src/events.js';
import { until } from '../support/poll.js';
import { event } from './events.js';

const HOUR = 3_600_000;

// A queue whose writer keeps every batch, and can be made to hang or fail.
function queueOf(limits: Partial<AuditQueueLimits> = {}) {
  const batches: AuditEvent[][] = [];
  const errors: unknown[] = [];
  let mode: 'ok' | 'hang' | 'fail' = 'ok';
  let release: () => void = () => {};
  const queue = new AuditQueue(
    { maxQueue: 10, batchSize: 3, flushIntervalMs: HOUR, ...limits },
    async (batch) => {
      if (mode === 'hang') await new Promise<void>((resolve) => (release = resolve));
      if (mode === 'fail') throw new Error('store down');
      batches.push([...batch]);
    },
    (error) => errors.push(error),
  );
  return {
    queue,
    batches,
    errors,
    set: (next: typeof mode) => {
      mode = next;
    },
    release: () => release(),
  };
}

describe('AuditQueue', () => {
  it('writes a batch as soon as it is full', async () => {
    const { queue, batches } = queueOf();
    for (let i = 0; i < 3; i++) queue.push(event(i));
    await until('the first batch', () => batches.length === 1);
    expect(batches[0]?.map((e) => e.time.getTime() % 10)).toEqual([0, 1, 2]);
    await queue.close();
  });

  it('writes a partial batch on the interval', async () => {
    const { queue, batches } = queueOf({ flushIntervalMs: 20 });
    queue.push(event());
    await until('the first batch', () => batches.length === 1);
    expect(batches[0]).toHaveLength(1);
    await queue.close();
  });

  it('drops and counts events past its bound while the store hangs, and push never waits', async () => {
    const { queue, set, release, batches } = queueOf({ maxQueue: 5, batchSize: 2 });
    set('hang');
    queue.push(event(0));
    queue.push(event(1)); // a full batch: its write starts and hangs
    await until('the write to start', () => queue.size === 0);
    for (let i = 0; i < 8; i++) expect(queue.push(event(i + 2))).toBeUndefined();
    expect(queue.size).toBe(5);
    expect(queue.dropped).toBe(3);
    set('ok');
    release();
    await queue.flush();
    expect(batches.flat()).toHaveLength(2 + 5); // the batch that hung, then the queue
    expect(queue.dropped).toBe(3);
    await queue.close();
  });

  it('counts the events of a batch the store refused as dropped, and reports the error', async () => {
    const { queue, set, errors } = queueOf();
    set('fail');
    for (let i = 0; i < 4; i++) queue.push(event(i));
    await queue.flush();
    expect(queue.dropped).toBe(4);
    expect(errors).toHaveLength(2);
    expect(queue.size).toBe(0);
    await queue.close();
  });

  it('writes the queue in order, one batch at a time', async () => {
    let writing = 0;
    let most = 0;
    const written: number[] = [];
    const queue = new AuditQueue(
      { maxQueue: 100, batchSize: 2, flushIntervalMs: HOUR },
      async (batch) => {
        writing++;
        most = Math.max(most, writing);
        await new Promise((resolve) => setTimeout(resolve, 2));
        written.push(...batch.map((e) => e.time.getTime() % 100));
        writing--;
      },
      () => {},
    );
    for (let i = 0; i < 9; i++) queue.push(event(i));
    await queue.flush();
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(most).toBe(1);
    await queue.close();
  });

  it('writes what is queued on close, then drops and counts later events', async () => {
    const { queue, batches } = queueOf();
    queue.push(event(0));
    await queue.close();
    expect(batches.flat()).toHaveLength(1);
    queue.push(event(1));
    expect(queue.dropped).toBe(1);
    expect(queue.size).toBe(0);
  });
});
