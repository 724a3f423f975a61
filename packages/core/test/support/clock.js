// The one test clock, in milliseconds since the epoch: it stands still until a test moves it, so
// every time a test reads or asserts is exact however busy the machine is. Plain JavaScript (types
// in clock.d.ts) so that the TypeScript tests and the benchmark runners (plain Node) share it.

/** Where a clock starts unless told otherwise: 2025-01-01T00:00:00.000Z. */
export const START = Date.UTC(2025, 0, 1);

/** A clock that only moves when told to: hand `now` to whatever takes a clock. */
export function manualClock(start = START) {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}
