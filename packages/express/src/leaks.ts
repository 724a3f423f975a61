import type { LeakedKeyOptions } from '@keygate/core';
import { bodyParseFailure, createLeakedKeyHandler, requestContext } from '@keygate/core/adapter';
import express, { type RequestHandler } from 'express';
import { accessors } from './accessors.js';
import { send } from './send.js';

/** Options of {@link leakedKeyHandler}: see `LeakedKeyOptions` in @keygate/core (`publicKeys` is required). */
export type LeakedKeyHandlerOptions = LeakedKeyOptions;

/**
 * A handler for GitHub's secret scanning partner program: it checks the report's signature over
 * the raw body, labels each token, and revokes (or disables, or only reports) the leaked keys of
 * this instance. It reads the raw body itself (`express.raw`, bounded by `bodyLimit`), so mount it
 * before any JSON body parser that would run on its path (else it answers 400). No `apiKeyAuth`:
 * the signature authenticates the sender.
 *
 * @example
 * ```ts
 * import { leakedKeyHandler } from '@keygate/express';
 *
 * app.post('/github/secret-scanning', leakedKeyHandler({ keygate, publicKeys: { [identifier]: pem } }));
 * app.use(express.json()); // after it
 * ```
 */
export function leakedKeyHandler(options: LeakedKeyHandlerOptions): RequestHandler {
  const handle = createLeakedKeyHandler(options);
  const raw = express.raw({ type: () => true, limit: handle.bodyLimit });
  return (req, res, next) => {
    raw(req, res, (error?: unknown) => {
      if (error !== undefined)
        return send(res, bodyParseFailure((error as { status?: unknown }).status, handle.bodyLimit));
      handle({
        method: req.method,
        body: req.body,
        keyIdentifier: req.get('github-public-key-identifier'),
        signature: req.get('github-public-key-signature'),
        context: requestContext(req, accessors),
      }).then((response) => send(res, response), next);
    });
  };
}
