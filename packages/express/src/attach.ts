import type { ApiKey } from '@keygate/core';
import type { Request } from 'express';

// The keys attached to requests, once `apiKey` is an accessor on Express's request prototype.
const attached = new WeakMap<object, ApiKey>();
// The prototypes that received the accessor.
const declared = new WeakSet<object>();
// The prototype of the last request attached through the accessor (an app's `app.request`): a
// request with the same one needs no walk up to `express.request`, whose property loads on
// Express's ever-changing request objects are the slowest part of attaching.
let lastAppRequest: object | null = null;

/**
 * Sets `req.apiKey`. Express swaps each request's prototype (`Object.setPrototypeOf`), and adding
 * an own property to such an object costs V8 a slow shape change on every request (about 1.3 µs,
 * a percent of an Express request). So, as Fastify's `decorateRequest` does, `apiKey` is declared
 * once: an accessor on Express's base request prototype (`express.request`, the prototype of
 * every app's `app.request`, mounted sub-apps included), the way Express's "Overriding the Express
 * API" guide defines request properties, with the values in a WeakMap. When the request is not an
 * Express one, or something else already defines `apiKey` there, it is set as a plain property.
 */
export function attachKey(req: Request, key: ApiKey): void {
  const appRequest = Object.getPrototypeOf(req) as object | null;
  if (appRequest !== null && appRequest === lastAppRequest) {
    attached.set(req, key);
    return;
  }
  const base = expressRequestPrototype(req);
  if (base === undefined || !declare(base)) {
    req.apiKey = key;
    return;
  }
  attached.set(req, key);
  if (appRequest !== null && Object.getPrototypeOf(appRequest) === base) lastAppRequest = appRequest;
}

// `express.request`: the prototype of `req.app.request`.
function expressRequestPrototype(req: Request): object | undefined {
  const appRequest: unknown = (req.app as { request?: unknown } | undefined)?.request;
  if (typeof appRequest !== 'object' || appRequest === null) return undefined;
  return Object.getPrototypeOf(appRequest) ?? undefined;
}

function declare(base: object): boolean {
  if (declared.has(base)) return true;
  if (Object.hasOwn(base, 'apiKey')) return false;
  Object.defineProperty(base, 'apiKey', {
    configurable: true,
    enumerable: false,
    get(this: object): ApiKey | undefined {
      return attached.get(this);
    },
    set(this: object, value: ApiKey | undefined) {
      if (value === undefined) attached.delete(this);
      else attached.set(this, value);
    },
  });
  declared.add(base);
  return true;
}
