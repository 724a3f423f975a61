// The behaviour every AuditSink shares, run against each (memory, PostgreSQL, Redis): what goes in
// comes back, newest first, filtered by key, owner and time, a bounded page at a time.
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditSink } from '../../src/audit/sink.js';
import { isKeygateError } from '../../src/errors.js';
import type { AuditEvent } from '../../src/events.js';
import { event, SHAPES } from './events.js';

/** A sink under test, with a way to wait for its writes and to empty it afterwards. */
export interface SinkUnderTest {
  readonly sink: AuditSink;
  /** Resolves once everything recorded is stored. */
  flush(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Registers the shared AuditSink cases for one implementation. */
export function describeAuditSink(name: string, open: () => Promise<SinkUnderTest>): void {
  describe(`${name} (AuditSink contract)`, () => {
    let current: SinkUnderTest | undefined;
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });
    const stored = async (events: readonly AuditEvent[]) => {
      current = await open();
      for (const e of events) current.sink.record(e);
      await current.flush();
      return current.sink;
    };
    const all = async (sink: AuditSink, query: Parameters<AuditSink['query']>[0]) => {
      const seen: AuditEvent[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await sink.query({ ...query, cursor });
        expect(page.events.length).toBeLessThanOrEqual(query.limit ?? 100);
        seen.push(...page.events);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 100);
      return { seen, pages };
    };

    it('gives back every field of every event shape, newest first', async () => {
      const sink = await stored([event(0), ...SHAPES]);
      const { events, nextCursor } = await sink.query({});
      expect(events).toStrictEqual([...SHAPES].reverse().concat(event(0)));
      expect(nextCursor).toBeNull();
    });

    it('finds the events of one key, including failures that know no owner', async () => {
      const sink = await stored([event(0), event(1, { keyId: 'key_2' }), SHAPES[0] as AuditEvent]);
      const { events } = await sink.query({ keyId: 'key_1' });
      expect(events.map((e) => e.type)).toEqual(['failed', 'verified']);
    });

    it('finds the events naming one owner', async () => {
      const sink = await stored([event(0), event(1, { owner: 'acct_2', keyId: 'key_9' }), event(2)]);
      const { events } = await sink.query({ owner: 'acct_2' });
      expect(events).toStrictEqual([event(1, { owner: 'acct_2', keyId: 'key_9' })]);
    });

    it('finds the events of a key and an owner together', async () => {
      const sink = await stored([event(0), SHAPES[0] as AuditEvent, event(5, { keyId: 'key_2' })]);
      const { events } = await sink.query({ keyId: 'key_1', owner: 'acct_1' });
      expect(events).toStrictEqual([event(0)]);
    });

    it('keeps a time range: since included, until excluded', async () => {
      const sink = await stored([0, 1000, 2000, 3000].map((t) => event(t)));
      const since = event(1000).time;
      const until = event(3000).time;
      const { events } = await sink.query({ keyId: 'key_1', since, until });
      expect(events.map((e) => e.time)).toEqual([event(2000).time, event(1000).time]);
    });

    it('pages through every event once, in a stable order, with bounded pages', async () => {
      const recorded = Array.from({ length: 25 }, (_, i) => event(i * 10));
      const sink = await stored(recorded);
      const { seen, pages } = await all(sink, { keyId: 'key_1', limit: 10 });
      expect(pages).toBe(3);
      expect(seen).toStrictEqual([...recorded].reverse());
    });

    it('pages through events recorded in the same millisecond', async () => {
      const recorded = Array.from({ length: 7 }, (_, i) => event(0, { route: `GET /r/${i}` }));
      const sink = await stored(recorded);
      const { seen } = await all(sink, { owner: 'acct_1', limit: 3 });
      expect(new Set(seen.map((e) => e.route)).size).toBe(7);
    });

    it('ends with a null cursor when the last page is exactly full', async () => {
      const sink = await stored([event(0), event(1)]);
      const page = await sink.query({ keyId: 'key_1', limit: 2 });
      expect(page.events).toHaveLength(2);
      expect(page.nextCursor).toBeNull();
    });

    it.each([
      ['a limit of 0', { limit: 0 }, 'limit'],
      ['a limit over 1000', { limit: 1001 }, 'limit'],
      ['a cursor it never gave', { cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
      ['an overlong cursor', { cursor: 'x'.repeat(500) }, 'cursor'],
      ['an invalid date', { since: new Date(Number.NaN) }, 'since'],
      ['until before since', { since: new Date(2000), until: new Date(1000) }, 'until'],
      ['an empty key id', { keyId: '' }, 'keyId'],
      ['an owner that is not a string', { owner: 42 as never }, 'owner'],
    ])('refuses %s with invalid_input', async (_, query, field) => {
      const sink = await stored([]);
      const error = await sink.query(query).catch((e: unknown) => e);
      expect(isKeygateError(error, 'invalid_input')).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
    });

    it('counts nothing as dropped in normal operation', async () => {
      const sink = await stored([event(0), event(1)]);
      expect(sink.dropped).toBe(0);
    });
  });
}
