// Cross-instance cache invalidation: the contract a bus (e.g. RedisInvalidationBus) fulfils, and
// how a keygate instance plugs its verified-key cache into one.
import { KeygateError } from '../errors.js';

/** What a {@link CacheInvalidation} calls on each subscribed keygate instance. */
export interface InvalidationHandlers {
  /** Drops one key id from this instance's verified-key cache. */
  evict(id: string): void;
  /** Drops every cached key: called once the subscription is (re)established, as messages may have been missed. */
  evictAll(): void;
}

/**
 * Carries "key changed" notices between keygate instances, so a revocation (rotation, update) on
 * one is honoured by all of them at once instead of after the cache TTL.
 */
export interface CacheInvalidation {
  /** Tells every subscribed instance (this one included) to drop a key id. */
  publish(id: string): Promise<void>;
  /**
   * Starts delivering notices to `handlers`; returns the function that stops it. Implementations
   * call `evictAll` whenever the subscription becomes active, first time included.
   */
  subscribe(handlers: InvalidationHandlers): () => void | Promise<void>;
}

/** A keygate instance's end of a bus: publish after a change, stop listening on close. */
export interface InvalidationLink {
  publish(id: string): void;
  close(): Promise<void>;
}

const CLOSED: InvalidationLink = Object.freeze({ publish: () => {}, close: async () => {} });

/**
 * Subscribes a cache to a bus (throws `invalid_options` for something that is not one). Publishing is fire-and-forget: the store change already happened,
 * so a failure (rejection or throw) goes to `onError` and never to the caller.
 */
export function linkInvalidation(
  bus: CacheInvalidation | undefined,
  handlers: InvalidationHandlers,
  onError: (error: unknown) => void,
): InvalidationLink {
  if (bus === undefined) return CLOSED;
  if (typeof bus?.publish !== 'function' || typeof bus.subscribe !== 'function') {
    throw new KeygateError('invalid_options', 'keygate: `invalidation` must have publish(id) and subscribe(handlers).');
  }
  const unsubscribe = bus.subscribe(handlers);
  let closed = false;
  return {
    // Still publishes after close: other instances keep listening.
    publish(id) {
      try {
        bus.publish(id).catch(onError);
      } catch (error) {
        onError(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await unsubscribe();
    },
  };
}
