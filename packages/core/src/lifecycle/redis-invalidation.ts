import type { Cluster, Redis } from 'ioredis';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { CacheInvalidation, InvalidationHandlers } from './invalidation.js';

/** Options of {@link RedisInvalidationBus}. */
export interface RedisInvalidationBusOptions {
  /** Sends notices (`PUBLISH`): a `Redis` or a `Cluster`; may be shared, e.g. with RedisStore. The bus never closes it. */
  publisher: Redis | Cluster;
  /**
   * A connection of its own: `SUBSCRIBE` puts it in subscriber mode. On a Redis Cluster, a `Redis`
   * connection to any one node: a `PUBLISH` on any node reaches the subscribers of every node.
   * The bus never closes it.
   */
  subscriber: Redis;
  /** The pub/sub channel; every instance of one app must use the same. Default `keygate:invalidate`. */
  channel?: string;
  /** Receives failures to (re)subscribe. Default: `console.error`. */
  onError?: (error: unknown) => void;
}

const MAX_ID_LENGTH = 64;
const check: OptionChecks = optionChecks('RedisInvalidationBus');
const OPTION_NAMES = optionNames<RedisInvalidationBusOptions>({
  publisher: true,
  subscriber: true,
  channel: true,
  onError: true,
});

/**
 * Cross-instance cache invalidation over Redis pub/sub (pass it as `invalidation` to createKeygate).
 * Every key change made through a KeyManager publishes the key id; every subscribed instance drops
 * it from its verified-key cache. Pub/sub delivers at most once: while the subscriber is
 * disconnected notices are lost, so the cache TTL bounds staleness then, and each time the
 * subscription is confirmed again (first time included) every subscribed cache is flushed.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisInvalidationBus, RedisStore } from '@keygate/core/redis';
 *
 * const redis = new Redis(url);
 * const keygate = createKeygate({
 *   store: new RedisStore({ client: redis }),
 *   invalidation: new RedisInvalidationBus({ publisher: redis, subscriber: new Redis(url) }), // two connections
 * });
 * ```
 */
export class RedisInvalidationBus implements CacheInvalidation {
  readonly #publisher: Redis | Cluster;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #onError: (error: unknown) => void;
  readonly #handlers = new Set<InvalidationHandlers>();
  #listening = false;
  #subscribed = false;

  /** Options are checked here: an invalid value throws `invalid_options`; an unknown name is reported once with `console.warn`. */
  constructor(options: RedisInvalidationBusOptions) {
    const { publisher, subscriber } = check.object<RedisInvalidationBusOptions>(undefined, options, OPTION_NAMES);
    if (typeof publisher?.publish !== 'function')
      check.fail('`publisher` must be an ioredis Redis client.', 'publisher');
    if (typeof subscriber?.subscribe !== 'function' || typeof subscriber.on !== 'function') {
      check.fail('`subscriber` must be an ioredis Redis client.', 'subscriber');
    }
    if ((publisher as unknown) === subscriber) {
      check.fail(
        '`publisher` and `subscriber` must be two connections: a subscribed connection cannot publish.',
        'subscriber',
      );
    }
    const channel = options.channel ?? 'keygate:invalidate';
    if (typeof channel !== 'string' || channel.length === 0 || channel.length > 256) {
      check.fail('`channel` must be a string of 1-256 characters.', 'channel');
    }
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    this.#onError = check.function('onError', options.onError, (error: unknown) =>
      console.error('keygate: the invalidation subscription failed', error),
    );
  }

  /** The channel notices travel on. */
  get channel(): string {
    return this.#channel;
  }

  /**
   * Whether the subscription is confirmed and its connection up (e.g. for a health check). While
   * false, notices can be missed: the cache TTL bounds staleness, and the cache is flushed once it is true again.
   */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** Publishes a key id; resolves once Redis has accepted it. */
  async publish(id: string): Promise<void> {
    await this.#publisher.publish(this.#channel, id);
  }

  /** Delivers notices to `handlers` until the returned function is called. One Redis subscription serves every subscriber. */
  subscribe(handlers: InvalidationHandlers): () => Promise<void> {
    // A wrapper of its own, so that the same handlers subscribed twice unsubscribe independently.
    const entry: InvalidationHandlers = { evict: (id) => handlers.evict(id), evictAll: () => handlers.evictAll() };
    this.#handlers.add(entry);
    if (!this.#listening) this.#listen();
    else if (this.#subscribed) entry.evictAll();
    return async () => {
      if (!this.#handlers.delete(entry) || this.#handlers.size > 0 || !this.#listening) return;
      this.#listening = false;
      this.#subscribed = false;
      this.#subscriber.off('message', this.#onMessage);
      this.#subscriber.off('ready', this.#onReady);
      this.#subscriber.off('close', this.#onClose);
      if (this.#subscriber.status === 'ready') await this.#subscriber.unsubscribe(this.#channel).catch(this.#onError);
    };
  }

  #listen(): void {
    this.#listening = true;
    const subscriber = this.#subscriber;
    subscriber.on('message', this.#onMessage);
    // Emitted on every (re)connection; ioredis re-subscribes first, and SUBSCRIBE is idempotent.
    subscriber.on('ready', this.#onReady);
    subscriber.on('close', this.#onClose);
    const status = subscriber.status;
    if (status === 'wait') subscriber.connect().catch(() => {});
    else if (status === 'ready' || status === 'end') this.#confirm();
  }

  readonly #onReady = (): void => this.#confirm();

  readonly #onClose = (): void => {
    this.#subscribed = false;
  };

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel !== this.#channel || message.length === 0 || message.length > MAX_ID_LENGTH) return;
    for (const handlers of this.#handlers) handlers.evict(message);
  };

  // Subscribes, and once Redis confirms it, flushes every cache: notices may have been missed before.
  #confirm(): void {
    this.#subscriber.subscribe(this.#channel).then(() => {
      if (!this.#listening) return;
      this.#subscribed = true;
      for (const handlers of this.#handlers) handlers.evictAll();
    }, this.#onError);
  }
}
