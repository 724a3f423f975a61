// Shared fixtures of the conformance suite: a keygate over a MemoryStore on the shared manual clock,
// ways to build wrong keys, a raw-socket client and the problem+json assertion.
import { connect } from 'node:net';
import {
  type CreatedKey,
  type CreateKeyInput,
  createKeygate,
  hmacSha256Hasher,
  type Keygate,
  type KeygateOptions,
  type KeyRecord,
  type KeyStore,
  MemoryStore,
} from '@keygate/core';
import { expect } from 'vitest';
import { type ManualClock, manualClock } from '../../packages/core/test/support/clock.js';

/** A keygate with fast hashing, its store, and the clock it reads. */
export interface Fixture {
  readonly keygate: Keygate;
  /** The store keygate uses: `options.store`, or a fresh MemoryStore. */
  readonly store: KeyStore;
  /** Keygate's clock: it starts at the wall-clock time of the fixture's creation and moves only when told. */
  readonly clock: ManualClock;
  /** Creates a key with these scopes (and any other input). */
  issue(scopes?: readonly string[], input?: Partial<CreateKeyInput>): Promise<CreatedKey>;
}

export function createFixture(options: Partial<KeygateOptions> = {}): Fixture {
  // Started at the wall-clock time: keys stay comparable with peers that read the real clock
  // (a second instance on the same store, Redis expiry times).
  const clock = manualClock(Date.now());
  const store = options.store ?? new MemoryStore();
  const keygate = createKeygate({ hasher: hmacSha256Hasher(), now: clock.now, ...options, store });
  return {
    keygate,
    store,
    clock,
    issue: (scopes = [], input = {}) =>
      keygate.keys.create({ name: 'conformance', owner: 'user_1', scopes: [...scopes], ...input }),
  };
}

/** A well-formed key with a valid checksum whose id no store of ours knows: minted by another instance. */
export async function foreignKey(prefix = 'kg'): Promise<CreatedKey> {
  const other = createKeygate({ store: new MemoryStore(), hasher: hmacSha256Hasher(), prefix });
  return other.keys.create({ name: 'elsewhere', owner: 'someone_else' });
}

/**
 * A key with a valid checksum whose id exists in the fixture's store but whose secret is wrong:
 * the store gets a record under a foreign key's id holding the hash of another key's secret.
 */
export async function wrongSecretKey(fixture: Fixture, victim: CreatedKey): Promise<string> {
  const foreign = await foreignKey(fixture.keygate.prefix);
  const record = (await fixture.store.findById(victim.apiKey.id)) as KeyRecord;
  await fixture.store.create({ ...record, id: foreign.apiKey.id });
  return foreign.key;
}

/** The key with one character of its secret changed (still base62, so only the checksum catches it). */
export function flipOneChar(key: string): string {
  const at = key.length - 20;
  const replacement = key[at] === 'A' ? 'B' : 'A';
  return key.slice(0, at) + replacement + key.slice(at + 1);
}

/** A store whose reads fail, as a database that went away would; writes go to a MemoryStore. */
export function failingStore(error: Error): KeyStore {
  const inner = new MemoryStore();
  return {
    findById: async () => {
      throw error;
    },
    create: (record, options) => inner.create(record, options),
    update: (id, patch, options) => inner.update(id, patch, options),
    rotate: (rotation) => inner.rotate(rotation),
    listByOwner: (owner, options) => inner.listByOwner(owner, options),
  };
}

/** The parts of a response the assertions look at, from supertest or from a raw socket. */
export interface ResponseLike {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export const PROBLEM_JSON = /^application\/problem\+json(\s*;|$)/;

/** Asserts a keygate problem response: status, problem+json body with `code`, and the exact challenge. */
export function expectProblem(
  res: ResponseLike,
  expected: { status: number; code: string; challenge?: string | undefined },
): Record<string, unknown> {
  expect(res.status).toBe(expected.status);
  expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status: expected.status, code: expected.code });
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  if (expected.challenge === undefined) expect(res.headers['www-authenticate']).toBeUndefined();
  else expect(res.headers['www-authenticate']).toBe(expected.challenge);
  return body;
}

/** The challenges of the default realm. */
export const CHALLENGE = {
  missing: 'Bearer realm="api"',
  invalidRequest: 'Bearer realm="api", error="invalid_request"',
  invalidToken: 'Bearer realm="api", error="invalid_token"',
} as const;

/**
 * Sends a GET written byte for byte (for duplicated headers and raw non-ASCII bytes, which
 * HTTP clients normalise or refuse) and reads the whole response; the server closes the connection.
 */
export function rawGet(port: number, path: string, headerLines: ReadonlyArray<string | Buffer>): Promise<ResponseLike> {
  const head = Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`, 'latin1'),
    ...headerLines.flatMap((line) => [
      typeof line === 'string' ? Buffer.from(line, 'latin1') : line,
      Buffer.from('\r\n'),
    ]),
    Buffer.from('\r\n'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(raw: Buffer): ResponseLike {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`Incomplete HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, split + 4), 'latin1'));
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, text: body.toString('utf8') };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
