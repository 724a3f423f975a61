import { createHash } from 'node:crypto';
import { KeygateError } from '../errors.js';
import { type AuditEvent, type LeakDetails, NO_REQUEST, type RequestContext } from '../events.js';
import { KdfBusyError } from '../hashing/kdf-limiter.js';
import type { KeygateResponse } from '../http/response.js';
import { redactKeys } from '../key/redaction.js';
import { runtimeOf } from '../keygate/instance.js';
import { bodyTooLarge, jsonResponse, problemResponse } from '../management/http.js';
import { actOnLeak } from './act.js';
import { type LeakedKeyOptions, type ResolvedLeakedKeyOptions, resolveLeakedKeyOptions } from './options.js';
import { type ReportedToken, readReport } from './report.js';
import { checkSignature } from './signature.js';

/** One request to the leaked-key endpoint, as an adapter hands it over. */
export interface LeakReportRequest {
  /** HTTP method: only POST is served (405 otherwise). */
  readonly method: string;
  /** The raw request body, exactly as received (a Buffer); undefined when there was none. Anything else is refused (400). */
  readonly body: unknown;
  /** The `Github-Public-Key-Identifier` header. */
  readonly keyIdentifier: string | undefined;
  /** The `Github-Public-Key-Signature` header. */
  readonly signature: string | undefined;
  /** Where the request came from, for audit events. Default: no request context. */
  readonly context?: RequestContext;
}

/** How one reported token is labelled in the answer, as GitHub's secret scanning expects. */
export interface TokenLabel {
  /** SHA-256 of the token, hex. */
  readonly token_hash: string;
  /** The `type` the report gave. */
  readonly token_type: string;
  /** `true_positive`: a key of this instance (its secret checked against the store); else `false_positive`. */
  readonly label: 'true_positive' | 'false_positive';
}

/** Answers one leaked-key report; never rejects. `bodyLimit` is the resolved limit, for the adapter's reader. */
export type LeakedKeyHandler = ((request: LeakReportRequest) => Promise<KeygateResponse>) & {
  readonly bodyLimit: number;
};

// The KDF limiter's client name for the hashes of reports: they queue apart from request traffic.
const HASH_CLIENT = 'keygate:leaked-key-report';
// How much of a report's url and source an event keeps.
const MAX_EVENT_TEXT = 2048;
const NOT_POST = problemResponse(405, 'method_not_allowed', 'Use POST on this route.', { headers: { allow: 'POST' } });
const NOT_RAW_DETAIL =
  'The raw request body is needed to check the signature: mount the endpoint before any body parser.';
const NOT_RAW = problemResponse(400, 'invalid_request', NOT_RAW_DETAIL);
const UNAVAILABLE = problemResponse(503, 'unavailable', 'The report cannot be handled right now; retry later.', {
  headers: { 'retry-after': '5' },
});
const INTERNAL = problemResponse(500, 'internal', 'The report could not be handled.');

/**
 * Builds the framework-agnostic endpoint of GitHub's secret scanning partner program. A report is
 * read only once its signature holds (400/401 problem+json otherwise, acting on nothing); each
 * token is then confirmed (checksum, then its secret against the store), a confirmed key gets the
 * `action` and a `leaked` event, and the answer labels every token. Options are validated here.
 *
 * @example
 * ```ts
 * const handle = createLeakedKeyHandler({ keygate, publicKeys: { [identifier]: pem } });
 * const response = await handle({
 *   method: req.method, body: rawBodyBuffer, context: requestContext(req, accessors),
 *   keyIdentifier: req.headers['github-public-key-identifier'], signature: req.headers['github-public-key-signature'],
 * });
 * send(res, response); // never rejects
 * ```
 */
export function createLeakedKeyHandler(
  options: LeakedKeyOptions,
  adapterOptionNames: readonly string[] = [],
): LeakedKeyHandler {
  const resolved = resolveLeakedKeyOptions(options, adapterOptionNames);
  const handle = async (request: LeakReportRequest): Promise<KeygateResponse> => {
    try {
      if (String(request.method).toUpperCase() !== 'POST') return NOT_POST;
      const body = request.body === undefined ? new Uint8Array(0) : request.body;
      if (!(body instanceof Uint8Array)) {
        resolved.onError(new KeygateError('invalid_options', `keygate: leaked-key endpoint: ${NOT_RAW_DETAIL}`));
        return NOT_RAW;
      }
      if (body.length > resolved.bodyLimit) return bodyTooLarge(resolved.bodyLimit);
      const refused = await checkSignature(resolved, request, body);
      if (refused !== null) return refused;
      const report = readReport(body, resolved.maxTokens);
      if (!report.ok) return report.response;
      return jsonResponse(200, await labelAll(resolved, report.tokens, request.context ?? NO_REQUEST));
    } catch (error) {
      if (error instanceof KdfBusyError) return UNAVAILABLE;
      resolved.onError(error);
      return error instanceof KeygateError && error.code === 'store_unavailable' ? UNAVAILABLE : INTERNAL;
    }
  };
  return Object.assign(handle, { bodyLimit: resolved.bodyLimit });
}

// Labels every token, one at a time (a report is one sender's batch, not a race); a token reported
// twice is checked and acted on once.
async function labelAll(
  options: ResolvedLeakedKeyOptions,
  tokens: readonly ReportedToken[],
  context: RequestContext,
): Promise<TokenLabel[]> {
  const seen = new Map<string, TokenLabel['label']>();
  const labels: TokenLabel[] = [];
  for (const reported of tokens) {
    let label = seen.get(reported.token);
    if (label === undefined) {
      label = await confirmAndAct(options, reported, context);
      seen.set(reported.token, label);
    }
    labels.push({ token_hash: sha256Hex(reported.token), token_type: reported.type, label });
  }
  return labels;
}

async function confirmAndAct(
  options: ResolvedLeakedKeyOptions,
  reported: ReportedToken,
  context: RequestContext,
): Promise<TokenLabel['label']> {
  const runtime = runtimeOf(options.keygate);
  const key = await runtime.confirm(reported.token, HASH_CLIENT);
  if (key === null) return 'false_positive';
  const action = await actOnLeak(options.keygate, key, options.action, context);
  const leak: LeakDetails = { url: eventText(reported.url), source: eventText(reported.source), action };
  const event: AuditEvent = {
    type: 'leaked',
    time: new Date(runtime.now()),
    keyId: key.id,
    owner: key.owner,
    route: context.route ?? null,
    ip: context.ip ?? null,
    userAgent: context.userAgent ?? null,
    leak: Object.freeze(leak),
  };
  runtime.emit?.(Object.freeze(event));
  return 'true_positive';
}

function eventText(text: string | null): string | null {
  return text === null ? null : redactKeys(text).slice(0, MAX_EVENT_TEXT);
}

function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
