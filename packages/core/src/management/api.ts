import { KeygateError } from '../errors.js';
import { NO_REQUEST } from '../events.js';
import { authProblems, insufficientScopeProblem } from '../http/problem.js';
import type { KeygateResponse } from '../http/response.js';
import type { ApiKey } from '../key/record.js';
import type { Actor } from '../lifecycle/manager.js';
import { isJsonContentType } from './body.js';
import { currentKey } from './caller.js';
import { type ManagementRequest, NOT_JSON, problemResponse } from './http.js';
import { type ManagementOptions, type ResolvedManagementOptions, resolveManagementOptions } from './options.js';
import { matchRoutes, type Route } from './routes.js';

/** Answers one management request; never rejects. `bodyLimit` is the resolved body limit, for the adapter's parser. */
export type ManagementHandler = ((request: ManagementRequest) => Promise<KeygateResponse>) & {
  readonly bodyLimit: number;
};

const ROUTE_NOT_FOUND = problemResponse(404, 'not_found', 'No such key-management route.');
const KEY_NOT_FOUND = problemResponse(404, 'not_found', 'No key with that id.');
// Methods that change keys: they need a JSON content type, which a cross-site form cannot send.
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Builds the framework-agnostic key-management routes (`POST /keys`, `GET /keys`, `GET /keys/self`,
 * `GET|PATCH|DELETE /keys/:id`, `POST /keys/:id/rotate`). Options are validated once, here. The
 * calling key is re-read from the store on every request, and bounds what the caller may do.
 * `adapterOptionNames`: the options an adapter's mount adds (e.g. Koa's `prefix`), which may be in
 * `options` and are then not reported as unknown.
 *
 * @example
 * ```ts
 * const handle = createManagementApi({ keygate }); // throws invalid_options for bad options
 * const read = await readJsonBody(req, handle.bodyLimit); // where the framework parses no body
 * if (!read.ok) return send(res, read.response);
 * const response = await handle({
 *   method: req.method, path: '/keys?limit=20', contentType: req.headers['content-type'], body: read.body,
 *   apiKey: req.apiKey, context: requestContext(req, accessors), request: req,
 * });
 * send(res, response); // never rejects: errors are answered as problem+json
 * ```
 */
export function createManagementApi(
  options: ManagementOptions,
  adapterOptionNames: readonly string[] = [],
): ManagementHandler {
  const resolved = resolveManagementOptions(options, adapterOptionNames);
  const { authorize, realm, keygate } = resolved;
  const missing = authProblems(realm).missing;
  const forbidden = resolved.defaultAuthorize
    ? insufficientScopeProblem(realm, [resolved.managementScope], 'all')
    : problemResponse(403, 'forbidden', 'The caller may not manage keys.');

  const handle = async (request: ManagementRequest): Promise<KeygateResponse> => {
    try {
      const method = String(request.method).toUpperCase();
      const path = String(request.path);
      const { routes, id } = matchRoutes(path);
      const route = pickRoute(routes, method);
      if (!('run' in route)) return route;
      if (STATE_CHANGING.has(method) && !isJsonContentType(request.contentType)) return NOT_JSON;
      const context = request.context ?? NO_REQUEST;
      let caller: ApiKey | undefined;
      if (request.apiKey) {
        const current = await currentKey(keygate, request.apiKey, context.ip, realm);
        if (!current.ok) return current.response;
        caller = current.key;
      }
      let owner = '';
      let actor: Actor | undefined;
      if (route.access === 'key') {
        if (caller === undefined) return missing;
      } else {
        const grant = await authorize({ apiKey: caller, request: request.request });
        if (grant === null || grant === undefined) return caller === undefined ? missing : forbidden;
        if (typeof grant.owner !== 'string' || grant.owner.length === 0) {
          throw new KeygateError('invalid_options', 'keygate: `authorize` must return { owner: string } or null.', {
            field: 'authorize',
          });
        }
        owner = grant.owner;
        const acting = grant.key === undefined ? caller : grant.key;
        if (acting !== null && acting !== undefined) {
          const current =
            acting === caller
              ? { ok: true as const, key: acting }
              : await currentKey(keygate, acting, context.ip, realm);
          if (!current.ok) return current.response;
          actor = { key: current.key, defaultRateLimits: resolved.rateLimitDefaults };
        }
      }
      const query = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
      return await route.run({ options: resolved, owner, caller, actor, id, body: request.body, query, context });
    } catch (error) {
      return failure(error, resolved);
    }
  };
  return Object.assign(handle, { bodyLimit: resolved.bodyLimit });
}

// The route for a method among those matching the path, or the 404 / 405 to answer.
function pickRoute(routes: Route[], method: string): Route | KeygateResponse {
  if (routes.length === 0) return ROUTE_NOT_FOUND;
  const route = routes.find((r) => r.method === (method === 'HEAD' ? 'GET' : method));
  if (route !== undefined) return route;
  const allow = [...new Set(routes.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))];
  return problemResponse(405, 'method_not_allowed', `Use ${allow.join(', ')} on this route.`, {
    headers: { allow: allow.join(', ') },
  });
}

function failure(error: unknown, options: ResolvedManagementOptions): KeygateResponse {
  if (error instanceof KeygateError) {
    switch (error.code) {
      case 'invalid_input':
      case 'invalid_scope':
        return problemResponse(400, 'invalid_request', error.message, { field: error.field });
      case 'forbidden':
        return problemResponse(403, 'forbidden', error.message, { field: error.field });
      case 'not_found':
        return KEY_NOT_FOUND;
      case 'conflict':
        return problemResponse(409, 'conflict', error.message);
      case 'limit_exceeded':
        return problemResponse(409, 'limit_exceeded', error.message);
      case 'busy':
        return problemResponse(503, 'unavailable', 'Too many keys are being hashed; retry shortly.', {
          headers: { 'retry-after': '1' },
        });
      case 'store_unavailable':
        options.onError(error);
        return problemResponse(503, 'unavailable', 'Keys cannot be managed right now; retry later.', {
          headers: { 'retry-after': '1' },
        });
    }
  }
  options.onError(error);
  return problemResponse(500, 'internal', 'The request could not be completed.');
}
