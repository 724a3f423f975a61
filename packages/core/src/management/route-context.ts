import type { RequestContext } from '../events.js';
import type { ApiKey } from '../key/record.js';
import type { Actor } from '../lifecycle/manager.js';
import type { ResolvedManagementOptions } from './options.js';

/** What a route handler gets: the resolved options, the authorised owner and the request's parts. */
export interface RouteContext {
  readonly options: ResolvedManagementOptions;
  /** Whose keys the caller manages ('' on routes that need only a key). */
  readonly owner: string;
  /** The calling key as the store has it now, if the request carried one. */
  readonly caller: ApiKey | undefined;
  /** The key bounding what the caller may do, unless the application itself acts. */
  readonly actor: Actor | undefined;
  /** The `:id` of the path, or ''. */
  readonly id: string;
  readonly body: unknown;
  readonly query: URLSearchParams;
  readonly context: RequestContext;
}
