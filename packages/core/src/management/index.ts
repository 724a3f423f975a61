// The framework-agnostic key-management routes; each adapter mounts them.
export { createManagementApi, type ManagementHandler } from './api.js';
export { bodyParseFailure, isJsonContentType, type JsonBodyResult, readJsonBody } from './body.js';
export type { ManagementRequest } from './http.js';
export {
  DEFAULT_MANAGEMENT_BODY_LIMIT,
  type ManagementAuthorize,
  type ManagementCaller,
  type ManagementGrant,
  type ManagementOptions,
  type MetadataPolicy,
} from './options.js';
export { isManagementPath } from './routes.js';
