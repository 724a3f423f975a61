/**
 * @keygate/express: API-key authentication for Express 5.
 * `app.use(apiKeyAuth({ keygate }))` attaches `req.apiKey`; `requireScopes(...)`, `requireEnvironment(...)` and
 * `requireCredits(...)` guard a route.
 */

import type {
  ApiKey,
  AuthOptions,
  CreditCost,
  CreditGuardOptions,
  EnvironmentGuardOptions,
  ScopeGuardOptions,
} from '@keygate/core';
import {
  type AuthOutcome,
  createAuthenticator,
  createCreditGuard,
  createEnvironmentGuard,
  createScopeGuard,
  type ScopeGuard,
} from '@keygate/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { accessors } from './accessors.js';
import { attachKey } from './attach.js';
import { send } from './send.js';

declare global {
  namespace Express {
    interface Request {
      /** The verified key's public metadata, set by `apiKeyAuth` (absent when the key was optional and not sent). */
      apiKey?: ApiKey;
    }
  }
}

/**
 * Options of {@link apiKeyAuth}: see `AuthOptions` in @keygate/core. Cookie sources read
 * `req.cookies` when `cookie-parser` is mounted, else the Cookie header.
 */
export type ApiKeyAuthOptions = AuthOptions;

/**
 * Middleware that authenticates the request's API key and sets `req.apiKey`, or answers 400/401/403/429/503.
 * Keys come from `X-API-Key` or `Authorization: Bearer` by default (see `sources`). Options are
 * checked here: an invalid value throws `invalid_options`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { apiKeyAuth } from '@keygate/express';
 *
 * const app = express();
 * app.use('/api', apiKeyAuth({ keygate }));
 * app.get('/api/me', (req, res) => res.json(req.apiKey)); // req.apiKey?: ApiKey
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): RequestHandler {
  const authenticate = createAuthenticator(options, accessors);
  return (req, res, next) => {
    const outcome = authenticate(req);
    if (outcome instanceof Promise) outcome.then((settled) => finish(settled, req, res, next), next);
    else finish(outcome, req, res, next);
  };
}

/**
 * Route middleware that answers 403 unless `req.apiKey` has the scopes (all by default), 401 without a key.
 * Use it after `apiKeyAuth`. Scopes are checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * app.post('/api/deploys', requireScopes('deploys:write'), (req, res) => res.status(201).end());
 * app.get('/api/reports', requireScopes(['reports:read', 'admin:read'], { match: 'any' }), listReports);
 * ```
 */
export function requireScopes(scopes: string | readonly string[], options?: ScopeGuardOptions): RequestHandler {
  return routeGuard(createScopeGuard(scopes, options));
}

/**
 * Route middleware that answers 403 `wrong_environment` unless `req.apiKey` is a key of the
 * environment (the instance's `environments` option), 401 without a key. Use it after `apiKeyAuth`.
 * The name is checked when it is built, so a typo fails at startup.
 *
 * @example
 * ```ts
 * app.post('/api/charges', requireEnvironment('live'), (req, res) => res.status(201).end());
 * ```
 */
export function requireEnvironment(environment: string, options?: EnvironmentGuardOptions): RequestHandler {
  return routeGuard(createEnvironmentGuard(environment, options));
}

/**
 * Route middleware that spends `cost` credits (a number, or one computed from the request) from the
 * allowances of `req.apiKey` (`keygate.credits`: its owner's and its own), adding them to the
 * RateLimit headers; 429 `quota-exceeded` when they cannot pay, 401 without a key. Use it after `apiKeyAuth`.
 *
 * @example
 * ```ts
 * app.get('/api/search', requireCredits(1, { keygate }), search);
 * app.post('/api/render', requireCredits((req) => (req.query.hd ? 10 : 2), { keygate }), render);
 * ```
 */
export function requireCredits(cost: CreditCost<Request>, options: CreditGuardOptions): RequestHandler {
  const guard = createCreditGuard(cost, options, accessors);
  return (req, res, next) => {
    guard(req.apiKey, req)
      .then((result) => {
        if (!result.ok) return send(res, result.response);
        if (result.headers) for (const [name, value] of Object.entries(result.headers)) res.append(name, value);
        next();
      })
      .catch(next);
  };
}

// A route middleware answering the guard's refusal, or going on.
function routeGuard(guard: ScopeGuard): RequestHandler {
  return (req, res, next) => {
    const problem = guard(req.apiKey);
    if (problem) send(res, problem);
    else next();
  };
}

function finish(outcome: AuthOutcome, req: Request, res: Response, next: NextFunction): void {
  if (!outcome.ok) {
    send(res, outcome.response);
    return;
  }
  if (outcome.headers) res.set(outcome.headers);
  if (outcome.key) attachKey(req, outcome.key);
  next();
}

/** GitHub's secret scanning partner program: the leaked-key endpoint as an Express handler. */
export { type LeakedKeyHandlerOptions, leakedKeyHandler } from './leaks.js';
/** Key-management routes (`/keys`…) as an Express router, to mount after `apiKeyAuth`. */
export { type KeyManagementRouterOptions, keyManagementRouter } from './management.js';
