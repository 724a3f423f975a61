/**
 * What `hideCredentials` removes from a framework's own copies of a request, handed to the
 * adapter's `hide` accessor: built once per middleware, the same object for every request.
 */
export interface HiddenCredentials {
  /** The query parameter names to delete from the parsed query. */
  readonly query: readonly string[];
  /** The cookie names to delete from parsed cookies. */
  readonly cookies: readonly string[];
  /** `url` without those query parameters (the others kept, in order); `url` itself when it has none. */
  withoutQuery(url: string): string;
}
