import type { ApiKey } from '@keygate/core';
import type { Request } from 'express';

// The keys attached to requests, once `apiKey` is an accessor on Express's request prototype.
const attached = new WeakMap<object, ApiKey>();
// The prototypes that received the accessor.
const declared = new WeakSet<object>();
// The last app request prototype (`app.request`) whose requests were attached through the
// accessor: a request with the same prototype goes straight to the WeakMap, skipping the
// `req.app.request` check, whose loads on Express's ever-changing request objects are the
// slowest part of attaching.
let lastAppRequest: object | undefined;

/**
 * Sets `req.apiKey`. Express swaps each request's prototype (`Object.setPrototypeOf`), and adding
 * an own property to such an object costs V8 a slow shape change on every request. So, as Fastify's `decorateRequest` does, `apiKey` is declared
 * once: an accessor on Express's base request prototype (`express.request`, the prototype of
 * every app's `app.request`, mounted sub-apps included), the way Express's "Overriding the Express
 * API" guide defines request properties, with the values in a WeakMap. When the request is not an
 * Express one, or something else already defines `apiKey` there, it is set as a plain property.
 */
export function attachKey(req: Request, key: ApiKey): void {
  const appRequest: unknown = Object.getPrototypeOf(req);
  if (appRequest !== lastAppRequest && !throughAccessor(req, appRequest)) {
    req.apiKey = key;
    return;
  }
  attached.set(req, key);
}

// Whether the request's prototype is its app's `app.request` and the accessor is (now) declared on
// `express.request` above it; if so, that prototype is remembered for the next request.
function throughAccessor(req: Request, appRequest: unknown): appRequest is object {
  const app = (req as { app?: { request?: unknown } }).app;
  if (typeof appRequest !== 'object' || appRequest === null || app?.request !== appRequest) return false;
  const base: unknown = Object.getPrototypeOf(appRequest);
  if (typeof base !== 'object' || base === null || !declare(base)) return false;
  lastAppRequest = appRequest;
  return true;
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
