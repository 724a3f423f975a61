import type { AuditSink } from '../audit/sink.js';
import type { LedgerConfig } from '../credits/ledger.js';
import type { CreditManager } from '../credits/manager.js';
import { KeygateError } from '../errors.js';
import type { AuditListener } from '../events.js';
import type { ApiKey } from '../key/record.js';
import type { KeyManager } from '../lifecycle/manager.js';
import type { KeygateTelemetry } from '../telemetry/telemetry.js';
import type { VerifyResult } from '../verify/verifier.js';

/**
 * A configured keygate instance: verification plus key management over one store.
 *
 * @example
 * ```ts
 * const keygate = createKeygate({ store: new MemoryStore(), prefix: 'sk_live' });
 * const { key } = await keygate.keys.create({ name: 'reports', owner: 'team_42', scopes: ['users:read'] });
 * const result = await keygate.verify(key); // { ok: true, key: { id, owner, scopes, … } }
 * ```
 */
export interface Keygate {
  /** The key lifecycle: create, get, list, update, rotate, revoke. */
  readonly keys: KeyManager;
  /** Credit allowances of owners and keys: get, set, add (spent by routes with `requireCredits`). */
  readonly credits: CreditManager;
  /** The prefix new keys get. */
  readonly prefix: string;
  /**
   * Verifies a presented key. `client` (adapters pass the client's address) shares hashing fairly
   * and keeps one client's wrong secrets from throttling another. Without one, the verification is
   * the application's own work: it waits for a hashing slot without a bound or deadline.
   */
  verify(key: string, options?: { client?: string | undefined }): Promise<VerifyResult>;
  /** Drops one key id (or, without an id, every key) from this instance's verified-key cache (this instance only). */
  evict(id?: string): void;
  /**
   * Writes the last-used times still due, stops listening to the `invalidation` bus, and writes the
   * queued events of the `audit` sink and closes it (clients and pools stay open: they are the caller's).
   */
  close(): Promise<void>;
}

/** What the request path needs of an instance beyond its public face; reached through {@link runtimeOf}. */
export interface KeygateRuntime {
  /**
   * The cached outcome for a recently verified key, without waiting on I/O (a due `lastUsedAt`
   * write starts in the background); undefined when not cached. `connection`: an object living as
   * long as the client's connection (adapters pass the socket), which lets a repeated key skip its digest.
   */
  peek(key: string, connection?: object): VerifyResult | undefined;
  /** Delivers an audit event to `onEvent` (a throw is caught and logged); undefined without a listener. */
  readonly emit: AuditListener | undefined;
  /** The instance's clock (the `now` option), in ms since the epoch. */
  readonly now: () => number;
  /** Where and how requests spend credits. */
  readonly credits: LedgerConfig;
  /**
   * The public view of a presented key when its secret matches the stored key of its id, in any
   * state (revoked, disabled, expired included), else null; for reports of leaked keys. Nothing is
   * cached or counted; the hash waits in the KDF limiter as `client`'s (KdfBusyError when saturated).
   */
  confirm(key: string, client: string): Promise<ApiKey | null>;
  /** The `audit` option: where the management routes read a key's events; undefined without one. */
  readonly audit?: AuditSink | undefined;
  /** The `telemetry` option (its hooks guarded); undefined without one. */
  readonly telemetry?: KeygateTelemetry | undefined;
}

const runtimes = new WeakMap<Keygate, KeygateRuntime>();

/** Creates the instance object of createKeygate, frozen, with its runtime attached. */
export function keygateInstance(face: Keygate, runtime: KeygateRuntime): Keygate {
  const instance = Object.freeze({ ...face });
  runtimes.set(instance, Object.freeze({ ...runtime }));
  return instance;
}

/** The runtime of an instance made by createKeygate; throws `invalid_options` for anything else. */
export function runtimeOf(keygate: Keygate): KeygateRuntime {
  const runtime = typeof keygate === 'object' && keygate !== null ? runtimes.get(keygate) : undefined;
  if (runtime === undefined) {
    throw new KeygateError('invalid_options', 'keygate: `keygate` must be an instance made by createKeygate().');
  }
  return runtime;
}
