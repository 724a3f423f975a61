// Deadline checks that hold on a busy machine. A store or limiter that promises to settle a call
// within `ms` sets its own timer of `ms` when the call starts. A timer of the same length set right
// after the call starts fires after that one, however late a loaded machine runs them both: Node
// fires the timers of one length in the order they were set, and runs the promise jobs the first
// one starts before it fires the next. So "settled before our timer fired" means "kept its
// deadline", with no slack to tune and nothing measured in milliseconds.

const LATE = Symbol('late');

/** `timeoutMs` values every deadline option refuses: not a whole number of ms from 1 to 2^31 - 1. */
export const INVALID_TIMEOUTS: readonly unknown[] = [
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 31,
  '1000',
  null,
];

/**
 * Starts `call`, then a timer of `ms`. Resolves with what the call rejected with (an Error saying
 * so if it resolved) and `inTime`: whether it had settled before that timer fired.
 */
export async function rejectionWithin(
  ms: number,
  call: () => Promise<unknown>,
): Promise<{ error: unknown; inTime: boolean }> {
  const outcome = call().then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(resolve, ms, LATE);
  });
  const first = await Promise.race([outcome, late]);
  clearTimeout(timer);
  return first === LATE ? { error: await outcome, inTime: false } : { error: first, inTime: true };
}
