/** Every reason keygate can throw, as a stable string. */
export type KeygateErrorCode =
  | 'invalid_options'
  | 'invalid_prefix'
  | 'invalid_scope'
  | 'invalid_input'
  | 'conflict'
  | 'forbidden'
  | 'limit_exceeded'
  | 'not_found'
  | 'busy'
  | 'store_unavailable';

/**
 * The only error class keygate throws. Its `message` never contains a key or a hash:
 * it is safe to log.
 */
export class KeygateError extends Error {
  override readonly name = 'KeygateError';
  /** Why it was thrown, as a stable string (e.g. `not_found`): branch on it, not on `message`. */
  readonly code: KeygateErrorCode;
  /** The input field at fault, when there is one (e.g. `expiresAt`, `allowedIps[2]`). */
  readonly field?: string;

  constructor(code: KeygateErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** True when `error` is a {@link KeygateError}, optionally with the given code. */
export function isKeygateError(error: unknown, code?: KeygateErrorCode): error is KeygateError {
  return error instanceof KeygateError && (code === undefined || error.code === code);
}
