/** Where a clock starts unless told otherwise: 2025-01-01T00:00:00.000Z. */
export declare const START: number;

/** A clock in milliseconds that only moves when told to. */
export interface ManualClock {
  /** The current time in milliseconds since the epoch; pass it as a `now` option. */
  readonly now: () => number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
}

/** A clock that only moves when told to, starting at `start` (default {@link START}). */
export declare function manualClock(start?: number): ManualClock;
