// The framework-agnostic key-management routes; each adapter mounts them.
export { createManagementApi, type ManagementHandler } from './api.js';
export { hasBody, isJsonContentType, type JsonBodyResult, parseJsonText, readJsonBody } from './body.js';
export { bodyTooLarge, INVALID_JSON, type ManagementRequest, type ManagementResponse, NOT_JSON } from './http.js';
export {
  DEFAULT_MANAGEMENT_BODY_LIMIT,
  type ManagementAuthorize,
  type ManagementCaller,
  type ManagementOptions,
} from './options.js';
export { isManagementPath } from './routes.js';
