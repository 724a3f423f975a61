import { KeygateError } from '../errors.js';
import { NO_REQUEST } from '../events.js';
import { authProblems, insufficientScopeProblem, type ProblemResponse } from '../problem.js';
import { type ManagementRequest, type ManagementResponse, problemResponse } from './http.js';
import { type ManagementOptions, type ResolvedManagementOptions, resolveManagementOptions } from './options.js';
import { matchRoutes } from './routes.js';

/** Answers one management request; never rejects. `bodyLimit` is the resolved body limit, for the adapter's parser. */
export type ManagementHandler = ((request: ManagementRequest) => Promise<ManagementResponse>) & {
  readonly bodyLimit: number;
};

const ROUTE_NOT_FOUND = problemResponse(404, 'not_found', 'No such key-management route.');
const KEY_NOT_FOUND = problemResponse(404, 'not_found', 'No key with that id.');

/**
 * Builds the framework-agnostic key-management routes (`POST /keys`, `GET /keys`, `GET /keys/self`,
 * `GET|PATCH|DELETE /keys/:id`, `POST /keys/:id/rotate`). Options are validated once, here.
 */
export function createManagementApi(options: ManagementOptions): ManagementHandler {
  const resolved = resolveManagementOptions(options);
  const { authorize, realm } = resolved;
  const missing = toResponse(authProblems(realm).missing);
  const forbidden = resolved.defaultAuthorize
    ? toResponse(insufficientScopeProblem(realm, [resolved.managementScope], 'all'))
    : problemResponse(403, 'forbidden', 'The caller may not manage keys.');

  const handle = async (request: ManagementRequest): Promise<ManagementResponse> => {
    try {
      const method = String(request.method).toUpperCase();
      const { routes, id } = matchRoutes(String(request.path));
      if (routes.length === 0) return ROUTE_NOT_FOUND;
      const route = routes.find((r) => r.method === (method === 'HEAD' ? 'GET' : method));
      if (route === undefined) {
        const allow = [...new Set(routes.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))];
        return problemResponse(405, 'method_not_allowed', `Use ${allow.join(', ')} on this route.`, {
          headers: { allow: allow.join(', ') },
        });
      }
      const caller = request.apiKey ?? undefined;
      let owner = '';
      if (route.access === 'key') {
        if (caller === undefined) return missing;
      } else {
        const grant = await authorize({ apiKey: caller, request: request.request });
        if (grant === null || grant === undefined) return caller === undefined ? missing : forbidden;
        if (typeof grant.owner !== 'string' || grant.owner.length === 0) {
          throw new TypeError('keygate: `authorize` must return { owner: string } or null.');
        }
        owner = grant.owner;
      }
      const context = request.context ?? NO_REQUEST;
      return await route.run({ options: resolved, owner, caller, id, body: request.body, context });
    } catch (error) {
      return failure(error, resolved);
    }
  };
  return Object.assign(handle, { bodyLimit: resolved.bodyLimit });
}

function failure(error: unknown, options: ResolvedManagementOptions): ManagementResponse {
  if (error instanceof KeygateError) {
    switch (error.code) {
      case 'invalid_input':
      case 'invalid_scope':
        return problemResponse(400, 'invalid_request', error.message, { field: error.field });
      case 'not_found':
        return KEY_NOT_FOUND;
      case 'conflict':
        return problemResponse(409, 'conflict', error.message);
      case 'limit_exceeded':
        return problemResponse(409, 'limit_exceeded', error.message);
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

function toResponse(problem: ProblemResponse): ManagementResponse {
  return { status: problem.status, headers: problem.headers, body: problem.body };
}
