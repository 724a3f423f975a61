/**
 * Every answer keygate gives over HTTP (authentication failures, scope refusals, management
 * routes): status, headers with the content type, and the body both as a value and as JSON text
 * serialised once, so an adapter has one `send()` that writes `json` as it is.
 */
export interface KeygateResponse<Body = unknown> {
  /** The HTTP status, e.g. 401. */
  readonly status: number;
  /** Header names (lower-case) and values to set, the content type included when there is a body. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as a value (for tests and hooks); undefined when there is none. */
  readonly body: Body;
  /** `body` as JSON text, ready to send; undefined when there is no body. */
  readonly json: string | undefined;
}

/** Builds a frozen response, serialising `body` once. */
export function httpResponse<Body>(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Body,
): KeygateResponse<Body> {
  return Object.freeze({
    status,
    headers: Object.freeze({ ...headers }),
    body,
    json: body === undefined ? undefined : JSON.stringify(body),
  });
}
