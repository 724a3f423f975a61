// The signature of a secret scanning report: ECDSA P-256 with SHA-256, base64 DER, over the raw
// request body, made with the key the identifier header names. Nothing in the body is looked at
// before the signature holds, so an unsigned caller learns nothing about any key.
import { type KeyObject, verify } from 'node:crypto';
import { KeygateError } from '../errors.js';
import type { KeygateResponse } from '../http/response.js';
import { problemResponse } from '../management/http.js';
import type { ResolvedLeakedKeyOptions } from './options.js';

/** The signature headers of one report, as the adapter read them (undefined when absent). */
export interface ReportSignature {
  /** `Github-Public-Key-Identifier`: which key signed the report. */
  readonly keyIdentifier: string | undefined;
  /** `Github-Public-Key-Signature`: the base64 DER signature of the raw body. */
  readonly signature: string | undefined;
}

// Identifiers are hex digests today; any short run of token characters is accepted.
const IDENTIFIER_RE = /^[A-Za-z0-9._:+/=-]{1,256}$/;
// A DER ECDSA P-256 signature is at most 72 bytes: 96 base64 characters (some slack kept).
const SIGNATURE_RE = /^[A-Za-z0-9+/]{1,340}={0,2}$/;

const CHALLENGE = { 'www-authenticate': 'Signature realm="secret-scanning"' };
const MISSING = (header: string) =>
  problemResponse(400, 'invalid_request', `The ${header} header is missing or malformed.`, { field: header });
const MISSING_IDENTIFIER = MISSING('Github-Public-Key-Identifier');
const MISSING_SIGNATURE = MISSING('Github-Public-Key-Signature');
const UNKNOWN_KEY = problemResponse(401, 'invalid_signature', 'The report is signed with an unknown key.', {
  headers: CHALLENGE,
});
const BAD_SIGNATURE = problemResponse(401, 'invalid_signature', 'The report signature is not valid.', {
  headers: CHALLENGE,
});
const KEYS_UNAVAILABLE = problemResponse(
  503,
  'unavailable',
  'The signing keys cannot be read right now; retry later.',
  {
    headers: { 'retry-after': '5' },
  },
);

/** Null when `body` is signed by a known key, else the response refusing it (400, 401, or 503 when the keys cannot be read). */
export async function checkSignature(
  options: ResolvedLeakedKeyOptions,
  headers: ReportSignature,
  body: Uint8Array,
): Promise<KeygateResponse | null> {
  const { keyIdentifier, signature } = headers;
  if (typeof keyIdentifier !== 'string' || !IDENTIFIER_RE.test(keyIdentifier)) return MISSING_IDENTIFIER;
  if (typeof signature !== 'string' || !SIGNATURE_RE.test(signature)) return MISSING_SIGNATURE;
  const key = await lookup(options, keyIdentifier);
  if (key === null) return KEYS_UNAVAILABLE;
  if (key === undefined) return UNKNOWN_KEY;
  return verifies(key, body, signature) ? null : BAD_SIGNATURE;
}

// The key for an identifier (undefined: unknown), or null when the lookup failed or took too long.
async function lookup(options: ResolvedLeakedKeyOptions, identifier: string): Promise<KeyObject | undefined | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      const message = `keygate: leaked-key options: \`publicKeys\` took over ${options.publicKeyTimeoutMs} ms to answer.`;
      options.onError(new KeygateError('store_unavailable', message));
      resolve(null);
    }, options.publicKeyTimeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => options.publicKey(identifier)), deadline]);
  } catch (error) {
    options.onError(error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function verifies(key: KeyObject, body: Uint8Array, signature: string): boolean {
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
