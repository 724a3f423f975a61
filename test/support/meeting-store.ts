// A store wrapper that makes racing lifecycle writes meet: conditional updates (with `ifVersion`)
// and rotations wait until `parties` of them are pending, across every store wrapped with the
// same meeting, then all go on. Every racer has then read the key before any of them writes.
// Typed structurally, so that both @keygate/core's own tests and the conformance suite can use it.

/** The two KeyStore writes a meeting holds back. */
interface LifecycleWrites {
  update(id: string, patch: never, options?: { ifVersion?: number }): Promise<unknown>;
  rotate(rotation: never): Promise<unknown>;
}

/** A rendezvous of `parties` writers; one left alone goes on after `timeoutMs`. */
export function meeting(parties = 2, timeoutMs = 2_000): () => Promise<void> {
  let waiting: Array<() => void> = [];
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length >= parties) {
        for (const go of waiting) go();
        waiting = [];
      } else setTimeout(resolve, timeoutMs).unref();
    });
}

/** `inner`, with its conditional updates and rotations held at `meet` first. */
export function meetingStore<S extends LifecycleWrites>(inner: S, meet: () => Promise<void> = meeting()): S {
  return new Proxy(inner, {
    get(target, name) {
      if (name === 'update') {
        return async (id: string, patch: never, options?: { ifVersion?: number }) => {
          if (options?.ifVersion !== undefined) await meet();
          return target.update(id, patch, options);
        };
      }
      if (name === 'rotate') {
        return async (rotation: never) => {
          await meet();
          return target.rotate(rotation);
        };
      }
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
