import { describe, expect, it, vi } from 'vitest';
import type { AuditSink } from '../../src/audit/sink.js';
import type { AuditEvent } from '../../src/events.js';
import { MemoryAuditSink } from '../../src/index.js';
import { createKeygate } from '../../src/keygate/create.js';
import { runtimeOf } from '../../src/keygate/instance.js';
import { MemoryStore } from '../../src/stores/memory.js';

describe('createKeygate audit option', () => {
  it('hands the sink every event onEvent gets, in order', async () => {
    const seen: AuditEvent[] = [];
    const audit = new MemoryAuditSink();
    const keygate = createKeygate({ store: new MemoryStore(), audit, onEvent: (e) => seen.push(e) });
    const { key, apiKey } = await keygate.keys.create({ name: 'k', owner: 'acct_1' });
    await keygate.keys.revoke(apiKey.id);
    expect(await keygate.verify(key)).toMatchObject({ ok: false });
    expect((await audit.query({})).events).toStrictEqual([...seen].reverse());
    expect(seen.map((e) => e.type)).toEqual(['created', 'revoked']);
  });

  it('still records an event whose onEvent listener threw, or rejected', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const audit = new MemoryAuditSink();
    let calls = 0;
    const keygate = createKeygate({
      store: new MemoryStore(),
      audit,
      onEvent: (() => {
        calls++;
        if (calls === 1) throw new Error('listener bug');
        return Promise.reject(new Error('async listener bug'));
      }) as never,
    });
    const { apiKey } = await keygate.keys.create({ name: 'k', owner: 'acct_1' });
    await keygate.keys.revoke(apiKey.id);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await audit.query({ keyId: apiKey.id })).events).toHaveLength(2);
    expect(error).toHaveBeenCalledTimes(2);
    error.mockRestore();
  });

  it('closes the sink with keygate.close()', async () => {
    const audit = new MemoryAuditSink();
    const close = vi.spyOn(audit, 'close');
    await createKeygate({ store: new MemoryStore(), audit }).close();
    expect(close).toHaveBeenCalledOnce();
  });

  it.each([
    ['an object without record', { query: () => {}, close: () => {} }],
    ['a function', () => {}],
    ['null', null],
  ])('refuses %s as audit with invalid_options naming it', (_, audit) => {
    expect(() => createKeygate({ store: new MemoryStore(), audit: audit as unknown as AuditSink })).toThrow(
      expect.objectContaining({ code: 'invalid_options', field: 'audit' }),
    );
  });

  it('adds nothing to the request path without it: no event listener at all', () => {
    expect(runtimeOf(createKeygate({ store: new MemoryStore() })).emit).toBeUndefined();
    expect(runtimeOf(createKeygate({ store: new MemoryStore(), audit: new MemoryAuditSink() })).emit).toBeDefined();
  });
});
