// Reading a request body with a bound, raw or as JSON, for frameworks without a body parser (Koa).

import type { IncomingMessage } from 'node:http';
import type { KeygateResponse } from '../http/response.js';
import { bodyTooLarge, INVALID_JSON, NOT_JSON } from './http.js';

/** The body as parsed JSON (undefined when there was none), or the error response to send. */
export type JsonBodyResult =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly response: KeygateResponse };

/** True for `application/json` and `application/*+json`, with no charset or a UTF-8 one. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type = '', ...params] = contentType.toLowerCase().split(';');
  const essence = type.trim();
  if (essence !== 'application/json' && !/^application\/[a-z0-9.!#$&^_-]+\+json$/.test(essence)) return false;
  const charset = params.map((p) => p.trim()).find((p) => p.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

// True when the request announces a body (a non-zero Content-Length, or Transfer-Encoding).
function hasBody(headers: IncomingMessage['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The response for a framework body parser's failure, by its HTTP status: 413, 415, else 400. */
export function bodyParseFailure(status: unknown, limit: number): KeygateResponse {
  return status === 413 ? bodyTooLarge(limit) : status === 415 ? NOT_JSON : INVALID_JSON;
}

/**
 * Reads and parses a JSON body of at most `limit` bytes: 415 for another media type, 413 when over
 * the limit (see {@link readRawBody}), 400 for invalid UTF-8 or JSON.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonBodyResult> {
  // Nothing to read when there is no body, or when something upstream already consumed it.
  if (!hasBody(req.headers) || req.readableEnded) return { ok: true, body: undefined };
  if (!isJsonContentType(req.headers['content-type'])) return { ok: false, response: NOT_JSON };
  const raw = await readRawBody(req, limit);
  return raw.ok ? parseJsonText(raw.body ?? new Uint8Array(0)) : raw;
}

/** The body's bytes (undefined when something upstream already consumed it), or the error response to send. */
export type RawBodyResult =
  | { readonly ok: true; readonly body: Buffer | undefined }
  | { readonly ok: false; readonly response: KeygateResponse };

/**
 * Reads a body of at most `limit` bytes as it is: 413 at once when Content-Length says it is over
 * the limit, else keeping no more than `limit` bytes and answering 413 at its end; 400 when the
 * stream fails. Undefined when something upstream already read the stream.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<RawBodyResult> {
  if (req.readableEnded) return { ok: true, body: undefined };
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return { ok: false, response: bodyTooLarge(limit) };
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit, the rest is read and dropped rather than the stream destroyed, which would
    // take the socket (and the 413) with it.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once('end', () =>
      resolve(size > limit ? { ok: false, response: bodyTooLarge(limit) } : { ok: true, body: Buffer.concat(chunks) }),
    );
    req.once('error', () => resolve({ ok: false, response: INVALID_JSON }));
  });
}

/** Parses a UTF-8 JSON body; an empty body is no body. */
export function parseJsonText(bytes: Uint8Array): JsonBodyResult {
  if (bytes.length === 0) return { ok: true, body: undefined };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, response: INVALID_JSON };
  }
}
