import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, encoding: 'binary') => string;
// crypto.hash (Node >= 20.12) skips the Hash object allocation; older Node 20 falls back to createHash.
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/**
 * SHA-256 of a presented key, its 32 bytes as a latin1 (`binary`) string (smaller and cheaper than base64; it
 * is only ever a map key): the only form in which keys are used as cache keys, so the cache never
 * holds a plaintext key (see ConnectionMemo for the one place a key outlives its request).
 */
export const keyDigest: (key: string) => string = oneShot
  ? (key) => oneShot('sha256', key, 'binary')
  : (key) => crypto.createHash('sha256').update(key).digest('binary');
