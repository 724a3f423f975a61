// createKeygate's `audit` option: the sink, checked once, and the one listener that feeds it next
// to `onEvent`.
import type { AuditListener } from '../events.js';
import type { OptionChecks } from '../options.js';
import type { AuditSink } from './sink.js';

/** The `audit` option checked: an AuditSink (its methods present), or undefined. */
export function resolveAuditOption(value: unknown, check: OptionChecks): AuditSink | undefined {
  if (value === undefined) return undefined;
  const sink = value as Partial<AuditSink> | null;
  if (typeof sink?.record !== 'function' || typeof sink.query !== 'function' || typeof sink.close !== 'function') {
    check.fail(
      '`audit` must be an AuditSink (e.g. new PostgresAuditSink({ pool }) or new RedisAuditSink({ client })).',
      'audit',
    );
  }
  return value as AuditSink;
}

/** The listener of an instance: `onEvent`, then the sink's `record`; undefined when neither is given. */
export function withAuditSink(
  listener: AuditListener | undefined,
  audit: AuditSink | undefined,
): AuditListener | undefined {
  if (audit === undefined) return listener;
  if (listener === undefined) return (event) => audit.record(event);
  return (event) => {
    try {
      return listener(event); // an async listener's promise goes on to guardListener, which catches its rejection
    } finally {
      audit.record(event);
    }
  };
}
