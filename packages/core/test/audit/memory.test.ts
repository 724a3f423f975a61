import { describe, expect, it } from 'vitest';
import { MemoryAuditSink } from '../../src/index.js';
import { describeAuditSink } from './contract.js';
import { event } from './events.js';

describeAuditSink('MemoryAuditSink', async () => {
  const sink = new MemoryAuditSink();
  return { sink, flush: async () => {}, cleanup: () => sink.close() };
});

describe('MemoryAuditSink', () => {
  it('keeps only the last maxEntries events', async () => {
    const sink = new MemoryAuditSink({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) sink.record(event(i));
    expect((await sink.query({})).events.map((e) => e.time)).toEqual([4, 3, 2].map((i) => event(i).time));
  });

  it('counts events recorded after close as dropped', async () => {
    const sink = new MemoryAuditSink();
    await sink.close();
    sink.record(event());
    expect(sink.dropped).toBe(1);
    expect((await sink.query({})).events).toEqual([]);
  });
});
