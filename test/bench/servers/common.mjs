// Shared by every benchmark server: listen on a free loopback port, announce it on stdout as one
// JSON line, and exit when the runner goes away (its stdin pipe closes) or asks (SIGTERM/SIGINT).
import { randomBytes } from 'node:crypto';

export const HOST = '127.0.0.1';

/** The small JSON body every server answers `GET /hello` with. */
export const HELLO = Object.freeze({ hello: 'world' });

/**
 * A random opaque token, as long as a default keygate key (64 characters): the key of the peers,
 * which take any string, and a header of the same size for the bare servers, which ignore it.
 */
export const randomToken = () => randomBytes(48).toString('base64url');

/** Prints `{ port, key, pid }` once listening; the runner reads the first JSON line of stdout. */
export function announce({ port, key }) {
  process.stdout.write(`${JSON.stringify({ port, key, pid: process.pid })}\n`);
}

/**
 * The hand-written reference for "auth": the key header looked up in a Map of one key. Returns the
 * key and `lookup(headerValue)`, which gives the key's record or undefined.
 */
export function mapOfOneKey() {
  const key = randomToken();
  const keys = new Map([[key, Object.freeze({ id: 'bench', owner: 'bench' })]]);
  return { key, lookup: (value) => (value === undefined ? undefined : keys.get(value)) };
}

// No orphaned servers: the runner holds this process's stdin open and never writes to it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
