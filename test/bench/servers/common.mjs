// Shared by every benchmark server: listen on a free loopback port, announce it on stdout as one
// JSON line, and exit when the runner goes away (IPC channel closed) or asks (SIGTERM/SIGINT).
import { randomBytes } from 'node:crypto';

export const HOST = '127.0.0.1';

/** The small JSON body every server answers `GET /hello` with. */
export const HELLO = Object.freeze({ hello: 'world' });

/**
 * A random opaque token, as long as a default keygate key (64 characters): the key of the peers,
 * which take any string, and a header of the same size for the bare servers, which ignore it.
 */
export const randomToken = () => randomBytes(48).toString('base64url');

/** Prints `{ port, key? }` once listening; the runner reads the first JSON line of stdout. */
export function announce({ port, key }) {
  process.stdout.write(`${JSON.stringify({ port, key, pid: process.pid })}\n`);
}

// The runner asks for this process's CPU time over IPC before and after each measured run.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
// No orphaned servers: exit when the runner's IPC channel closes (including when it crashes).
process.on('disconnect', () => process.exit(0));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
