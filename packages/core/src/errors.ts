/** Every reason keygate can throw, as a stable string. */
export type KeygateErrorCode =
  | 'invalid_options'
  | 'invalid_prefix'
  | 'invalid_scope'
  | 'invalid_input'
  | 'conflict'
  | 'limit_exceeded'
  | 'not_found'
  | 'store_unavailable';

/**
 * The only error class keygate throws. Its `message` never contains a key or a hash:
 * it is safe to log.
 */
export class KeygateError extends Error {
  override readonly name = 'KeygateError';
  readonly code: KeygateErrorCode;

  constructor(code: KeygateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a {@link KeygateError}, optionally with the given code. */
export function isKeygateError(error: unknown, code?: KeygateErrorCode): error is KeygateError {
  return error instanceof KeygateError && (code === undefined || error.code === code);
}
