// The one counting store of the tests and the benchmark runners: a KeyStore that hands every call
// to a real store and counts it by method. It never fakes a result; on request it fails every call.
// Plain JavaScript (types in counting-store.d.ts) so that plain-Node runners can use it too.

const METHODS = ['findById', 'create', 'update', 'rotate', 'listByOwner'];
// Optional methods, passed on when `inner` has them.
const OPTIONAL = ['findExpiring', 'findUnused'];
// The CreditStore methods: counted (and failed on request) when `inner` has them.
const CREDITS = ['getCredits', 'setCredits', 'addCredits', 'spendCredits', 'refillCredits'];

/**
 * Wraps `inner`, counting calls by method in `calls`. The wrapper has the KeyStore methods `inner`
 * has, `touchMany` included unless `options.touchMany` is false: then last-used writes arrive as
 * one `update` per key, as from a store without batch writes. `findExpiring` and `findUnused` are
 * passed on, uncounted, when `inner` has them; the credit methods, counted.
 */
export function countingStore(inner, options = {}) {
  const methods = [...METHODS];
  if (typeof inner.touchMany === 'function' && options.touchMany !== false) methods.push('touchMany');
  for (const name of CREDITS) if (typeof inner[name] === 'function') methods.push(name);
  const calls = Object.fromEntries([...METHODS, 'touchMany', ...CREDITS].map((name) => [name, 0]));
  const writes = [];
  let failure;
  const store = {};
  for (const name of methods) {
    store[name] = (...args) => {
      calls[name]++;
      const result = failure === undefined ? inner[name](...args) : Promise.reject(failure.error);
      if (name === 'update' || name === 'touchMany') writes.push(result.catch(() => undefined));
      return result;
    };
  }
  for (const name of OPTIONAL) {
    if (typeof inner[name] === 'function') store[name] = (...args) => inner[name](...args);
  }
  return {
    store,
    inner,
    calls,
    /** Makes every following call reject with `error` (undefined restores normal behaviour). */
    failWith(error) {
      failure = error === undefined ? undefined : { error };
    },
    /** Resolves once every write (update, touchMany) started so far has settled. */
    settled: () => Promise.all(writes).then(() => undefined),
    /** Sets every count back to zero. */
    reset() {
      for (const name of Object.keys(calls)) calls[name] = 0;
    },
  };
}
