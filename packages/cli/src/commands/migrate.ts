import type { Values } from '../command-line.js';
import { usage } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { text } from '../options.js';
import { openStoreOf, storeUrlOf } from '../store.js';

/** `migrate [--audit]`: creates the PostgreSQL table and its index, and the audit table with `--audit` (idempotent); Redis needs none. */
export async function migrate(values: Values, io: CliIo): Promise<void> {
  if (/^rediss?:/i.test(storeUrlOf(values, io) ?? ''))
    throw usage('migrate is for PostgreSQL stores: Redis needs none.');
  const withAudit = values.audit === true;
  if (!withAudit && values['audit-table'] !== undefined) throw usage('--audit-table goes with --audit.');
  const opened = await openStoreOf(values, io);
  try {
    await opened.migrate?.();
    if (withAudit) {
      const sink = await opened.audit(text(values['audit-table']));
      await sink.migrate?.();
      await sink.close();
    }
  } finally {
    await opened.close();
  }
  const audit = withAudit ? ' The audit table is in place too.' : '';
  printer(values, io)(
    withAudit ? { migrated: true, audit: true } : { migrated: true },
    `The key table and its index are in place.${audit}\n`,
  );
}
