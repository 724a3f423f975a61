import type { IncomingMessage } from 'node:http';
import type { ManagementOptions } from '@keygate/core';
import { bodyParseFailure, createManagementApi, isJsonContentType, requestContext } from '@keygate/core/adapter';
import express, { type ErrorRequestHandler, Router } from 'express';
import { accessors } from './accessors.js';
import { send } from './send.js';

/** Options of {@link keyManagementRouter}: see `ManagementOptions` in @keygate/core (e.g. `bodyLimit`, default 16 KiB). */
export type KeyManagementRouterOptions = ManagementOptions;

const PATHS = ['/keys', '/keys/*rest'];

/**
 * An Express router serving the key-management routes under `/keys`; mount it after `apiKeyAuth`:
 * `app.use('/admin', apiKeyAuth({ keygate }), keyManagementRouter({ keygate }))`. It parses JSON
 * bodies itself (`express.json`, bounded by `bodyLimit`); other paths fall through to the app.
 * By default a key with the `keys:manage` scope manages its own owner's keys (see `authorize`).
 *
 * @example
 * ```ts
 * import { apiKeyAuth, keyManagementRouter } from '@keygate/express';
 *
 * app.use('/admin', apiKeyAuth({ keygate }), keyManagementRouter({ keygate }));
 * // POST /admin/keys, GET /admin/keys, GET /admin/keys/self, PATCH /admin/keys/:id, …
 * ```
 */
export function keyManagementRouter(options: KeyManagementRouterOptions): Router {
  const handle = createManagementApi(options);
  const router = Router();
  const isJson = (req: IncomingMessage) => isJsonContentType(req.headers['content-type']);
  router.all(PATHS, express.json({ limit: handle.bodyLimit, type: isJson }), (req, res, next) => {
    const context = requestContext(req, accessors);
    const contentType = req.headers['content-type'];
    // req.url is below the router's mount point and keeps the query string.
    handle({
      method: req.method,
      path: req.url,
      contentType,
      body: req.body,
      apiKey: req.apiKey,
      context,
      request: req,
    }).then((response) => send(res, response), next);
  });
  router.use(PATHS, bodyErrors(handle.bodyLimit));
  return router;
}

// Errors of express.json as problem+json; anything else goes on to the app's error handler.
function bodyErrors(limit: number): ErrorRequestHandler {
  return (error, _req, res, next) => {
    const type = (error as { type?: unknown })?.type;
    if (typeof type !== 'string' || !/^(?:entity|encoding|charset|request)\./.test(type)) return next(error);
    send(res, bodyParseFailure((error as { status?: unknown }).status, limit));
  };
}
